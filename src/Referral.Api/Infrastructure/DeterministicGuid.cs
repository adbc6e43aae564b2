using System.Security.Cryptography;
using System.Text;

namespace Referral.Api.Infrastructure;

/// <summary>RFC 4122 version-5 style UUIDs, for records derived from others (a service's language entries).</summary>
internal static class DeterministicGuid
{
    public static Guid Create(Guid scope, string name)
    {
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        scope.TryWriteBytes(input, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
#pragma warning disable CA5350 // SHA-1 is what RFC 4122 version 5 specifies; this is an identifier, not security.
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
