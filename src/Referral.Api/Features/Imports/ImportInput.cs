using System.IO.Compression;

namespace Referral.Api.Features.Imports;

/// <summary>One file of an import: its name (no folders) and how to open it.</summary>
internal sealed record InputFile(string Name, long Length, Func<Stream> Open);

/// <summary>
/// The files of one import: a single file, the CSV tables of a data package (a folder, a zip archive, or several
/// uploaded files). Zip archives are opened in place; nothing is extracted to disk.
/// </summary>
internal sealed class ImportInput : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private ImportInput(List<InputFile> files) => Files = files;

    public IReadOnlyList<InputFile> Files { get; }

    /// <summary>The bytes the files hold once read: a zip entry at its uncompressed size (which bounds what .NET inflates).</summary>
    public long TotalBytes => Files.Sum(f => f.Length);

    /// <summary>A file, a folder (its files, not recursive) or a zip archive.</summary>
    public static ImportInput FromPath(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path).Order(StringComparer.Ordinal)
                .Select(f => new InputFile(Path.GetFileName(f), new FileInfo(f).Length, () => OpenRead(f))).ToList();
            return new ImportInput(files);
        }
        if (!File.Exists(path))
        {
            throw new ImportInputException($"{path}: no such file or folder.");
        }
        return FromFiles([(Path.GetFileName(path), path)]);
    }

    /// <summary>Named files on disk (uploads); a zip archive among them is opened and its entries used.</summary>
    public static ImportInput FromFiles(IReadOnlyList<(string Name, string Path)> files)
    {
        var result = new List<InputFile>();
        var input = new ImportInput(result);
        foreach (var (name, path) in files)
        {
            if (IsZip(path))
            {
                ZipArchive zip;
                try
                {
                    zip = ZipFile.OpenRead(path);
                }
                catch (InvalidDataException ex)
                {
                    throw new ImportInputException($"{name}: not a readable zip archive ({ex.Message})", file: name);
                }
                input._owned.Add(zip);
                foreach (var entry in zip.Entries.Where(e => e.Name.Length > 0 && !e.FullName.StartsWith("__MACOSX", StringComparison.Ordinal)).OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    result.Add(new InputFile(entry.Name, entry.Length, () => new ZipEntryStream(entry, name)));
                }
            }
            else
            {
                result.Add(new InputFile(name, new FileInfo(path).Length, () => OpenRead(path)));
            }
        }
        return input;
    }

    public bool IsZipped => _owned.Count > 0;

    public static bool IsZip(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.Read(magic) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    /// <summary>
    /// A zip entry being read: corrupt or unsupported compressed data (<see cref="InvalidDataException"/>, found when the
    /// entry is opened or while it is inflated) is unreadable input, as for the endpoint as for the CLI.
    /// </summary>
    private sealed class ZipEntryStream : Stream
    {
        private readonly ZipArchiveEntry _entry;
        private readonly string _archive;
        private readonly Stream _inner;

        public ZipEntryStream(ZipArchiveEntry entry, string archive)
        {
            (_entry, _archive) = (entry, archive);
            try
            {
                _inner = entry.Open();
            }
            catch (InvalidDataException ex)
            {
                throw Unreadable(ex);
            }
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _inner.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw Unreadable(ex);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            try
            {
                return await _inner.ReadAsync(buffer, ct);
            }
            catch (InvalidDataException ex)
            {
                throw Unreadable(ex);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }

        private ImportInputException Unreadable(InvalidDataException ex) =>
            new($"{_archive}: its entry {_entry.FullName} could not be read ({ex.Message})", file: _entry.Name);
    }
}
