using System.Text;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>A CSV file the reader cannot make sense of (an unterminated quote, a field far too long).</summary>
internal sealed class CsvFormatException(string message, long line) : Exception(message)
{
    public long Line { get; } = line;
}

/// <summary>
/// A streaming RFC 4180 reader: quoted fields with doubled quotes and line breaks, CRLF or LF, a UTF-8 byte order mark,
/// and the delimiter (comma, semicolon or tab) detected from the header. Each record knows the line it starts on,
/// so the import report can point at it.
/// </summary>
internal sealed class CsvTable : IDisposable
{
    /// <summary>A field longer than this is a broken file (an unclosed quote swallowing the rest), not data.</summary>
    public const int MaxField = 1024 * 1024;

    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _field = new();
    private int _length;
    private int _position;
    private long _line = 1;

    private CsvTable(TextReader reader, char delimiter)
    {
        _reader = reader;
        Delimiter = delimiter;
    }

    public char Delimiter { get; }

    /// <summary>The header's names, trimmed (a byte order mark is removed).</summary>
    public string[] Header { get; private set; } = [];

    /// <summary>The 1-based line the last record returned by <see cref="Read"/> starts on.</summary>
    public long Line { get; private set; }

    /// <summary>Characters consumed so far (for progress).</summary>
    public long CharsRead { get; private set; }

    public static CsvTable Open(TextReader reader, char? delimiter = null)
    {
        var first = PeekFirstLine(reader);
        var table = new CsvTable(new PrefixReader(first, reader), delimiter ?? Detect(first));
        table.Header = [.. (table.Read() ?? []).Select(h => h.Trim().TrimStart('\uFEFF').Trim())];
        return table;
    }

    /// <summary>The next record, or null at the end. Blank lines are skipped.</summary>
    public List<string>? Read()
    {
        while (true)
        {
            if (!Fill())
            {
                return null;
            }
            var c = _buffer[_position];
            if (c is '\r' or '\n')
            {
                ConsumeNewline();
                continue;
            }
            break;
        }
        Line = _line;
        var fields = new List<string>();
        _field.Clear();
        var quoted = false;
        var wasQuoted = false;
        while (true)
        {
            if (!Fill())
            {
                if (quoted)
                {
                    throw new CsvFormatException("a quoted field is not closed before the end of the file.", Line);
                }
                fields.Add(CsvText.Unescape(_field.ToString()));
                return fields;
            }
            var c = _buffer[_position];
            if (quoted)
            {
                if (c == '"')
                {
                    Advance();
                    if (Fill() && _buffer[_position] == '"')
                    {
                        _field.Append('"');
                        Advance();
                    }
                    else
                    {
                        quoted = false;
                    }
                    continue;
                }
                if (c == '\n')
                {
                    _line++;
                }
                Append(c);
                Advance();
                continue;
            }
            if (c == '"' && _field.Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
                Advance();
                continue;
            }
            if (c == Delimiter)
            {
                fields.Add(CsvText.Unescape(_field.ToString()));
                _field.Clear();
                wasQuoted = false;
                Advance();
                continue;
            }
            if (c is '\r' or '\n')
            {
                ConsumeNewline();
                fields.Add(CsvText.Unescape(_field.ToString()));
                return fields;
            }
            Append(c);
            Advance();
        }
    }

    private void Append(char c)
    {
        if (_field.Length >= MaxField)
        {
            throw new CsvFormatException($"a field is longer than {MaxField / 1024} KiB (an unclosed quote?).", Line);
        }
        _field.Append(c);
    }

    private void ConsumeNewline()
    {
        var c = _buffer[_position];
        Advance();
        if (c == '\r' && Fill() && _buffer[_position] == '\n')
        {
            Advance();
        }
        _line++;
    }

    private void Advance()
    {
        _position++;
        CharsRead++;
    }

    private bool Fill()
    {
        if (_position < _length)
        {
            return true;
        }
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }

    /// <summary>The delimiter that splits the header into the most fields (outside quotes).</summary>
    private static char Detect(string header)
    {
        var best = ',';
        var bestCount = 0;
        foreach (var candidate in new[] { ',', ';', '\t', '|' })
        {
            var count = 0;
            var quoted = false;
            foreach (var c in header)
            {
                if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == candidate && !quoted)
                {
                    count++;
                }
            }
            if (count > bestCount)
            {
                best = candidate;
                bestCount = count;
            }
        }
        return best;
    }

    private static string PeekFirstLine(TextReader reader)
    {
        var sb = new StringBuilder();
        int c;
        while ((c = reader.Read()) >= 0 && sb.Length < MaxField)
        {
            sb.Append((char)c);
            // Empty lines before the header are skipped (as Read skips them), so the header is the line detected from.
            if (c == '\n' && sb.ToString().AsSpan().IndexOfAnyExcept('\r', '\n') >= 0)
            {
                break;
            }
        }
        return sb.ToString();
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>Replays the characters read to detect the delimiter, then continues with the rest.</summary>
    private sealed class PrefixReader(string prefix, TextReader rest) : TextReader
    {
        private int _offset;

        public override int Read(char[] buffer, int index, int count)
        {
            if (_offset < prefix.Length)
            {
                var n = Math.Min(count, prefix.Length - _offset);
                prefix.CopyTo(_offset, buffer, index, n);
                _offset += n;
                return n;
            }
            return rest.Read(buffer, index, count);
        }

        public override int Read() => _offset < prefix.Length ? prefix[_offset++] : rest.Read();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
