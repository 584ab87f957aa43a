using System.Runtime.InteropServices;
using Google.Protobuf;
using Vehicle.Runtime.Models.Onnx;

namespace Vehicle.Runtime.Models;

/// <summary>
/// Rewrites an fp32 ONNX encoder into an INT8 one, over the ONNX protobuf (no Python, no
/// quantisation tool: none exists for .NET). Dynamic quantisation, as ONNX Runtime's own
/// <c>quantize_dynamic</c> does it:
/// <list type="bullet">
/// <item>every <c>MatMul</c> whose right input is a constant fp32 matrix [K, N] becomes ONNX
/// Runtime's <c>DynamicQuantizeMatMul</c> (com.microsoft): int8 weights with one symmetric scale
/// per output column, activations quantised at run time;</item>
/// <item>the word-embedding <c>Gather</c> (a constant fp32 table [V, D], V ≥ <see cref="MinTableRows"/>,
/// indexed by the graph input <c>input_ids</c>) leaves the graph: its table becomes int8 with one
/// symmetric scale per row (<see cref="Int8Model.Embeddings"/>, looked up in managed code by
/// <see cref="WordEmbeddings"/>, which keeps only the rows in use), and the graph takes the
/// looked-up rows as a new input, <see cref="EmbeddingsInput"/>.</item>
/// </list>
/// Everything else (layer norms, softmax, biases, the small position tables, any other table) stays fp32. The
/// weights shrink about 4×; the output stays within the error of 8-bit weights (cosine ≥ 0.99
/// to fp32 on the shipped model).
/// </summary>
internal static class Int8Quantizer
{
    /// <summary>Bumped whenever the rewrite changes: part of the cache key of a quantised model.</summary>
    public const int Version = 2;

    /// <summary>The graph input that takes the word embeddings (the int8 model's rows, dequantised).</summary>
    public const string EmbeddingsInput = "inputs_embeds";

    /// <summary>The graph input the word-embedding table is indexed by (what the encoder feeds).</summary>
    private const string IdsInput = "input_ids";

    /// <summary>Smallest table taken out of the graph (the position and token-type tables stay in it, fp32).</summary>
    public const int MinTableRows = 1000;

    private const string Microsoft = "com.microsoft";

    /// <summary>The INT8 model of <paramref name="fp32Model"/> (ONNX bytes in; ONNX bytes and the int8 word-embedding table out).</summary>
    /// <exception cref="InvalidDataException">Not an ONNX model, or a constant it needs is stored outside the file.</exception>
    public static Int8Model Quantize(byte[] fp32Model, out QuantizationSummary summary)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(fp32Model);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"not an ONNX model: {e.Message}", e);
        }

        var graph = model.Graph ?? throw new InvalidDataException("the ONNX model has no graph");
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new List<NodeProto>(graph.Node.Count);
        int matMuls = 0, gathers = 0;
        (sbyte[] Values, float[] Scales)? embeddings = null;
        long before = 0, after = 0;
        foreach (var node in graph.Node)
        {
            if (node.OpType == "MatMul" && node.Domain is "" or "ai.onnx" && node.Input.Count == 2
                && initializers.TryGetValue(node.Input[1], out var weights) && IsFloatMatrix(weights))
            {
                var (quantized, scales) = QuantizeColumns(weights);
                graph.Initializer.Add(quantized);
                graph.Initializer.Add(scales);
                replaced.Add(weights.Name);
                var dynamic = new NodeProto { Name = node.Name + "_int8", OpType = "DynamicQuantizeMatMul", Domain = Microsoft };
                dynamic.Input.Add(node.Input[0]);
                dynamic.Input.Add(quantized.Name);
                dynamic.Input.Add(scales.Name);
                dynamic.Output.Add(node.Output);
                nodes.Add(dynamic);
                matMuls++;
                before += FloatCount(weights) * 4;
                after += quantized.RawData.Length + scales.RawData.Length;
                continue;
            }

            if (embeddings is null && node.OpType == "Gather" && node.Domain is "" or "ai.onnx" && node.Input.Count == 2 && Axis(node) == 0
                && node.Input[1] == IdsInput && graph.Input.FirstOrDefault(i => i.Name == IdsInput) is { } ids
                && initializers.TryGetValue(node.Input[0], out var table) && IsFloatMatrix(table) && table.Dims[0] >= MinTableRows)
            {
                embeddings = QuantizeRows(table);
                replaced.Add(table.Name);
                graph.Input.Add(EmbeddingsValue(ids, table.Dims[1]));
                var identity = new NodeProto { Name = node.Name + "_managed", OpType = "Identity" };
                identity.Input.Add(EmbeddingsInput);
                identity.Output.Add(node.Output);
                nodes.Add(identity);
                gathers++;
                before += FloatCount(table) * 4;
                after += embeddings.Value.Values.Length + (embeddings.Value.Scales.Length * 4);
                continue;
            }

            nodes.Add(node);
        }

        // The fp32 constants that only the rewritten nodes read are gone.
        var stillRead = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var name in replaced.Where(n => !stillRead.Contains(n)))
        {
            graph.Initializer.Remove(initializers[name]);
            if (graph.Input.FirstOrDefault(i => i.Name == name) is { } listed)
            {
                graph.Input.Remove(listed); // IR < 4 lists constants among the inputs
            }
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        if (!model.OpsetImport.Any(o => o.Domain == Microsoft))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = Microsoft, Version = 1 });
        }

        model.MetadataProps.Add(new StringStringEntryProto { Key = "vehicle.quantizer", Value = $"int8 v{Version}" });
        summary = new QuantizationSummary(matMuls, gathers, before, after);
        return new Int8Model(model.ToByteArray(), embeddings?.Values, embeddings?.Scales);
    }

    private static bool IsFloatMatrix(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.Float && tensor.Dims.Count == 2 && tensor.Dims[0] > 0 && tensor.Dims[1] > 0;

    private static long FloatCount(TensorProto tensor) => tensor.Dims[0] * tensor.Dims[1];

    private static long Axis(NodeProto node) => node.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 0;

    /// <summary>The tensor's values (raw bytes or the float_data field).</summary>
    private static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataLocation == 1 || tensor.ExternalData.Count > 0)
        {
            throw new InvalidDataException($"the constant '{tensor.Name}' is stored outside the model file: not supported");
        }

        var count = checked((int)FloatCount(tensor));
        if (!tensor.RawData.IsEmpty)
        {
            // ONNX stores raw data little-endian, as these machines do.
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span)[..count].ToArray();
        }

        return tensor.FloatData.Count == count ? [.. tensor.FloatData] : throw new InvalidDataException($"the constant '{tensor.Name}' has {tensor.FloatData.Count} values for {count} elements");
    }

    /// <summary>
    /// Largest weight magnitude of a MatMul: 7 bits, as ONNX Runtime's <c>reduce_range</c>. Its
    /// x86 kernels without VNNI multiply uint8 activations by int8 weights with <c>vpmaddubsw</c>,
    /// whose 16-bit pair sums saturate at full 8-bit range (255 × 127 × 2 &gt; 32767): measured on
    /// the small test graph, 14-17 % relative error at ±127, about 1 % at ±63.
    /// </summary>
    public const int WeightRange = 63;

    /// <summary>Per output column n: scale = max |W[:, n]| / <see cref="WeightRange"/>, W ≈ scale × int8.</summary>
    private static (TensorProto Quantized, TensorProto Scales) QuantizeColumns(TensorProto weights)
    {
        var values = Floats(weights);
        int rows = (int)weights.Dims[0], columns = (int)weights.Dims[1];
        var scales = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                scales[c] = Math.Max(scales[c], Math.Abs(values[(r * columns) + c]));
            }
        }

        for (var c = 0; c < columns; c++)
        {
            scales[c] = scales[c] > 0 ? scales[c] / WeightRange : 1f;
        }

        var quantized = new sbyte[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                quantized[(r * columns) + c] = ToInt8(values[(r * columns) + c] / scales[c], WeightRange);
            }
        }

        return (Int8Tensor(weights.Name + "_int8", weights.Dims, quantized), FloatTensor(weights.Name + "_scale", [columns], scales));
    }

    /// <summary>Per row v: scale = max |T[v, :]| / 127, T ≈ scale × int8.</summary>
    private static (sbyte[] Values, float[] Scales) QuantizeRows(TensorProto table)
    {
        var values = Floats(table);
        int rows = (int)table.Dims[0], columns = (int)table.Dims[1];
        var scales = new float[rows];
        var quantized = new sbyte[values.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * columns, columns);
            var max = 0f;
            foreach (var v in row)
            {
                max = Math.Max(max, Math.Abs(v));
            }

            scales[r] = max > 0 ? max / 127f : 1f;
            for (var c = 0; c < columns; c++)
            {
                quantized[(r * columns) + c] = ToInt8(row[c] / scales[r], 127);
            }
        }

        return (quantized, scales);
    }

    /// <summary>The new graph input: float, the ids' shape with the row length appended.</summary>
    private static ValueInfoProto EmbeddingsValue(ValueInfoProto ids, long dimension)
    {
        var shape = new TensorShapeProto();
        if (ids.Type?.TensorType?.Shape is { } idsShape)
        {
            shape.Dim.AddRange(idsShape.Dim.Select(d => d.Clone()));
        }

        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dimension });
        return new ValueInfoProto
        {
            Name = EmbeddingsInput,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static sbyte ToInt8(float value, int range) => (sbyte)Math.Clamp(MathF.Round(value, MidpointRounding.ToEven), -range, range);

    private static TensorProto Int8Tensor(string name, IEnumerable<long> dims, sbyte[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}

/// <summary>What a quantisation rewrote.</summary>
/// <param name="MatMuls">MatMul nodes now DynamicQuantizeMatMul.</param>
/// <param name="Gathers">Word-embedding gathers now done in managed code from an int8 table (0 or 1).</param>
/// <param name="BytesBefore">fp32 bytes of the constants rewritten.</param>
/// <param name="BytesAfter">int8 bytes and scales that replaced them.</param>
internal sealed record QuantizationSummary(int MatMuls, int Gathers, long BytesBefore, long BytesAfter);

/// <summary>A quantised encoder.</summary>
/// <param name="Model">The ONNX model.</param>
/// <param name="Embeddings">Its int8 word-embedding table, row after row (null when the graph had none to take out).</param>
/// <param name="EmbeddingScales">One scale per row of <paramref name="Embeddings"/>.</param>
internal sealed record Int8Model(byte[] Model, sbyte[]? Embeddings, float[]? EmbeddingScales);
