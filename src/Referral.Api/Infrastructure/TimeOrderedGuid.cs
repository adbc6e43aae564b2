using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Version-7 UUIDs (RFC 9562: 48 bits of Unix milliseconds, then 74 random bits), as <see cref="Guid.CreateVersion7()"/>
/// makes them, for code that makes many: on Linux every <see cref="Guid.CreateVersion7()"/> reads the kernel's random
/// device (one system call per id), and an import makes five ids per record. Here the random bits come from a block of
/// cryptographically random bytes per thread, refilled every <see cref="IdsPerBlock"/> ids.
/// </summary>
internal static class TimeOrderedGuid
{
    private const int RandomBytes = 10;
    internal const int IdsPerBlock = 256;

    [ThreadStatic]
    private static byte[]? _block;

    [ThreadStatic]
    private static int _used;

    public static Guid Create() => Create(DateTimeOffset.UtcNow);

    public static Guid Create(DateTimeOffset timestamp)
    {
        var block = _block;
        if (block is null || _used == block.Length)
        {
            block = _block ??= new byte[IdsPerBlock * RandomBytes];
            RandomNumberGenerator.Fill(block);
            _used = 0;
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes[..8], timestamp.ToUnixTimeMilliseconds() << 16);
        var random = block.AsSpan(_used, RandomBytes);
        random.CopyTo(bytes[6..]);
        random.Clear();
        _used += RandomBytes;
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
