using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vehicle.Runtime.Models;

/// <summary>
/// The INT8 encoder's word-embedding table, outside the ONNX graph: int8 rows with one symmetric
/// scale per row, looked up in managed code. A sentence needs a few dozen of the 30,522 rows, so
/// only the rows ever asked for are read from the file and kept (a 1,000-line batch touches
/// about 1,500: under 1 MB, against 11.7 MB for the whole table in the session's buffer). One
/// instance per file and process (<see cref="Shared"/>), read by every lane: thread-safe, lock-free.
/// </summary>
/// <remarks>
/// File layout (little-endian): the 4-byte magic <c>VWE1</c>, rows (int32), dimension (int32), a
/// reserved int32; rows × dimension int8 values, row after row; rows float32 scales.
/// </remarks>
internal sealed class WordEmbeddings : IDisposable
{
    private const int HeaderSize = 16;
    private static ReadOnlySpan<byte> Magic => "VWE1"u8;
    private static readonly Dictionary<string, WordEmbeddings> Tables = new(StringComparer.Ordinal);
    private static readonly Lock TablesLock = new();

    private readonly SafeFileHandle _file;
    private readonly float[] _scales;
    private readonly sbyte[]?[] _rows;

    private WordEmbeddings(SafeFileHandle file, int rows, int dimension, float[] scales)
    {
        _file = file;
        Rows = rows;
        Dimension = dimension;
        _scales = scales;
        _rows = new sbyte[rows][];
    }

    /// <summary>Rows in the table (the vocabulary size).</summary>
    public int Rows { get; }

    /// <summary>Length of a row (the encoder's hidden size).</summary>
    public int Dimension { get; }

    /// <summary>How many rows have been read from the file so far.</summary>
    public int Resident => _rows.Count(r => r is not null);

    /// <summary>The table in <paramref name="path"/>, opened once per process and shared by every encoder that reads it.</summary>
    /// <exception cref="InvalidDataException">Not a table this code wrote.</exception>
    public static WordEmbeddings Shared(string path)
    {
        lock (TablesLock)
        {
            if (!Tables.TryGetValue(path, out var table))
            {
                Tables[path] = table = Load(path);
            }

            return table;
        }
    }

    /// <summary>Opens the table in <paramref name="path"/> (its header and scales are read now, its rows when first asked for).</summary>
    /// <exception cref="InvalidDataException">Not a table this code wrote.</exception>
    public static WordEmbeddings Load(string path)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            var length = RandomAccess.GetLength(file);
            if (RandomAccess.Read(file, header, 0) != HeaderSize || !header[..4].SequenceEqual(Magic))
            {
                throw new InvalidDataException($"'{path}' is not a word-embedding table (no VWE1 header)");
            }

            var rows = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            var dimension = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            if (rows <= 0 || dimension <= 0 || length != HeaderSize + ((long)rows * dimension) + (rows * 4L))
            {
                throw new InvalidDataException($"'{path}' says {rows} × {dimension} but holds {length} bytes");
            }

            var scales = new float[rows];
            RandomAccess.Read(file, MemoryMarshal.AsBytes(scales.AsSpan()), HeaderSize + ((long)rows * dimension));
            return new WordEmbeddings(file, rows, dimension, scales);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes a table in the layout <see cref="Load"/> reads.</summary>
    public static void Write(Stream destination, ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales)
    {
        if (scales.IsEmpty || values.Length % scales.Length != 0)
        {
            throw new ArgumentException($"{values.Length} values do not make {scales.Length} equal rows", nameof(values));
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], scales.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], values.Length / scales.Length);
        destination.Write(header);
        destination.Write(MemoryMarshal.AsBytes(values));
        destination.Write(MemoryMarshal.AsBytes(scales));
    }

    /// <summary>
    /// Row <c>ids[i]</c>, dequantised (int8 × its row's scale, as the graph's Cast and Mul did),
    /// into <c>destination[i × Dimension ..]</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id outside the table (a vocabulary larger than the model's).</exception>
    public void Lookup(ReadOnlySpan<long> ids, Span<float> destination)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((ulong)id >= (ulong)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the {Rows}-row embedding table");
            }

            var row = destination.Slice(i * Dimension, Dimension);
            TensorPrimitives.ConvertChecked<sbyte, float>(Row((int)id), row);
            TensorPrimitives.Multiply(row, _scales[id], row);
        }
    }

    public void Dispose() => _file.Dispose();

    private sbyte[] Row(int id)
    {
        if (Volatile.Read(ref _rows[id]) is { } row)
        {
            return row;
        }

        // Two lanes may read the same new row at once: both read the same bytes, one copy is kept.
        var read = new sbyte[Dimension];
        var offset = HeaderSize + ((long)id * Dimension);
        if (RandomAccess.Read(_file, MemoryMarshal.AsBytes(read.AsSpan()), offset) != Dimension)
        {
            throw new InvalidDataException($"the word-embedding table ends before row {id}");
        }

        return Interlocked.CompareExchange(ref _rows[id], read, null) ?? read;
    }
}
