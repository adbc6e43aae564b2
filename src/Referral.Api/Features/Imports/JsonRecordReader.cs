using System.Text.Json;

namespace Referral.Api.Features.Imports;

/// <summary>One JSON value of an input file and the 1-based line it starts on.</summary>
internal sealed record JsonRecord(byte[] Utf8, long Line);

/// <summary>An input file that is not the JSON it should be; the import stops with this line and message.</summary>
internal sealed class ImportInputException(string message, long? line = null, string? file = null) : Exception(message)
{
    public long? Line { get; } = line;
    public string? File { get; } = file;
}

/// <summary>
/// Splits a JSON stream into records without loading it whole: the elements of a top-level array, the
/// <c>features</c> of a GeoJSON FeatureCollection, a single top-level object, or a sequence of top-level values
/// (newline-delimited JSON, GeoJSON text sequences). Only the record being read is held in memory, and every record
/// knows its line. A syntax error anywhere stops the import: a broken file cannot be trusted.
/// </summary>
internal sealed class JsonRecordReader(Stream stream, string fileName, int maxRecordBytes = 64 * 1024 * 1024)
{
    private const byte RecordSeparator = 0x1E;

    private byte[] _buffer = new byte[256 * 1024];
    private int _length;
    private int _position;
    private bool _eof;
    private long _base;          // absolute offset of _buffer[0]
    private long _countedTo;     // absolute offset up to which newlines are counted
    private long _lines = 1;     // line number at _countedTo
    private int _keep = -1;      // while >= 0, compaction keeps the buffer from here (an object that may be one record)

    /// <summary>Bytes consumed so far (for progress).</summary>
    public long BytesRead => _base + _position;

    public IEnumerable<JsonRecord> Read()
    {
        SkipWhitespace();
        if (Peek() == 0xEF)
        {
            // A UTF-8 byte order mark.
            _position += 3;
            SkipWhitespace();
        }
        var first = Peek();
        if (first < 0)
        {
            yield break;
        }
        if (first == '[')
        {
            _position++;
            foreach (var record in Elements())
            {
                yield return record;
            }
        }
        else if (first == '{')
        {
            _keep = _position;
            var features = FindFeatures(_keep);
            var start = _keep;
            _keep = -1;
            if (features)
            {
                foreach (var record in Elements())
                {
                    yield return record;
                }
                SkipRemainingMembers();
            }
            else
            {
                _position = start;
                yield return Value();
            }
        }
        else
        {
            yield return Value();
        }
        // Further top-level values: newline-delimited JSON or a GeoJSON text sequence.
        while (true)
        {
            SkipWhitespace();
            if (Peek() < 0)
            {
                yield break;
            }
            yield return Value();
        }
    }

    /// <summary>The elements of an array whose '[' was just consumed, up to and including its ']'.</summary>
    private IEnumerable<JsonRecord> Elements()
    {
        SkipWhitespace();
        if (Peek() == ']')
        {
            _position++;
            yield break;
        }
        while (true)
        {
            SkipWhitespace();
            yield return Value();
            SkipWhitespace();
            var c = Peek();
            _position++;
            if (c == ']')
            {
                yield break;
            }
            if (c != ',')
            {
                throw Error(c < 0 ? "the file ends inside an array." : $"expected ',' or ']' but found '{(char)c}'.");
            }
        }
    }

    /// <summary>One complete JSON value starting at the current position.</summary>
    private JsonRecord Value()
    {
        Compact();
        var line = LineAt(_base + _position);
        var end = ValueEnd(_position);
        var bytes = _buffer.AsSpan(_position, end - _position).ToArray();
        _position = end;
        return new JsonRecord(bytes, line);
    }

    /// <summary>The end of the value that starts at <paramref name="start"/>, reading more input as needed.</summary>
    private int ValueEnd(int start)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(start, _length - start), _eof, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
            try
            {
                if (reader.Read() && reader.TrySkip())
                {
                    return start + (int)reader.BytesConsumed;
                }
            }
            catch (JsonException ex)
            {
                throw Error($"invalid JSON: {ex.Message}", LineAt(_base + start) + (ex.LineNumber ?? 0));
            }
            if (_eof)
            {
                throw Error("the file ends inside a JSON value.");
            }
            if (_length - start >= maxRecordBytes)
            {
                throw Error($"a record is larger than {maxRecordBytes / (1024 * 1024)} MiB.");
            }
            // Not enough input yet: read more (the buffer keeps everything from the record's start).
            ReadMore();
        }
    }

    /// <summary>
    /// Scans the members of the object at <paramref name="start"/> for a <c>features</c> array (a FeatureCollection).
    /// True with the position just inside that array; false (the object is one record) otherwise.
    /// </summary>
    private bool FindFeatures(int start)
    {
        _position = start + 1;
        while (true)
        {
            SkipWhitespace();
            var c = Peek();
            if (c == '}' || c < 0)
            {
                return false;
            }
            if (c == ',')
            {
                _position++;
                continue;
            }
            var nameEnd = ValueEnd(_position);
            // GeoJSON FeatureCollection "features", or the "contents" of an HSDS API page saved to a file.
            var name = _buffer.AsSpan(_position, nameEnd - _position);
            var isFeatures = name.SequenceEqual("\"features\""u8) || name.SequenceEqual("\"contents\""u8);
            _position = nameEnd;
            SkipWhitespace();
            if (Peek() != ':')
            {
                return false;
            }
            _position++;
            SkipWhitespace();
            if (isFeatures && Peek() == '[')
            {
                _position++;
                return true;
            }
            _position = ValueEnd(_position);
        }
    }

    /// <summary>After a FeatureCollection's features: skip the other members up to the closing '}'.</summary>
    private void SkipRemainingMembers()
    {
        while (true)
        {
            SkipWhitespace();
            var c = Peek();
            _position++;
            if (c == '}')
            {
                return;
            }
            if (c != ',')
            {
                throw Error(c < 0 ? "the file ends inside the FeatureCollection." : $"expected ',' or '}}' but found '{(char)c}'.");
            }
            SkipWhitespace();
            _position = ValueEnd(_position);
            SkipWhitespace();
            if (Peek() != ':')
            {
                throw Error("expected ':' after a member name.");
            }
            _position++;
            SkipWhitespace();
            _position = ValueEnd(_position);
        }
    }

    private void SkipWhitespace()
    {
        while (true)
        {
            var c = Peek();
            if (c is ' ' or '\t' or '\r' or '\n' or RecordSeparator)
            {
                _position++;
                continue;
            }
            return;
        }
    }

    /// <summary>The byte at the current position, or -1 at the end of the input.</summary>
    private int Peek()
    {
        if (_position >= _length)
        {
            if (_eof)
            {
                return -1;
            }
            Compact();
            ReadMore();
            if (_position >= _length)
            {
                return -1;
            }
        }
        return _buffer[_position];
    }

    /// <summary>Drops the bytes before the current position (counting their newlines first).</summary>
    private void Compact()
    {
        var from = _keep >= 0 ? Math.Min(_keep, _position) : _position;
        if (from == 0)
        {
            return;
        }
        LineAt(_base + from);
        Array.Copy(_buffer, from, _buffer, 0, _length - from);
        _length -= from;
        _base += from;
        _position -= from;
        if (_keep >= 0)
        {
            _keep -= from;
        }
    }

    private void ReadMore()
    {
        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = stream.Read(_buffer, _length, _buffer.Length - _length);
        if (read == 0)
        {
            _eof = true;
        }
        _length += read;
    }

    private long LineAt(long absolute)
    {
        for (var i = (int)(_countedTo - _base); i < (int)(absolute - _base); i++)
        {
            if (_buffer[i] == '\n')
            {
                _lines++;
            }
        }
        _countedTo = Math.Max(_countedTo, absolute);
        return _lines;
    }

    private ImportInputException Error(string message, long? line = null) =>
        new($"{fileName}: {message}", line ?? LineAt(_base + Math.Min(_position, _length)), fileName);
}
