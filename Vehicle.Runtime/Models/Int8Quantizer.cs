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
/// <item>every <c>Gather</c> from a constant fp32 table [V, D] with V ≥ <see cref="MinTableRows"/>
/// (the word embeddings) gathers from an int8 table with one symmetric scale per row and
/// dequantises only the rows it gathered (<c>Gather</c>, <c>Cast</c>, <c>Mul</c>).</item>
/// </list>
/// Everything else (layer norms, softmax, biases, the small position tables) stays fp32. The
/// weights shrink about 4×; the output stays within the error of 8-bit weights (cosine ≥ 0.99
/// to fp32 on the shipped model).
/// </summary>
internal static class Int8Quantizer
{
    /// <summary>Bumped whenever the rewrite changes: part of the cache key of a quantised model.</summary>
    public const int Version = 1;

    /// <summary>Smallest table worth an int8 copy (the position and token-type tables stay fp32).</summary>
    public const int MinTableRows = 1000;

    private const string Microsoft = "com.microsoft";

    /// <summary>The INT8 model of <paramref name="fp32Model"/> (ONNX bytes in, ONNX bytes out).</summary>
    /// <exception cref="InvalidDataException">Not an ONNX model, or a constant it needs is stored outside the file.</exception>
    public static byte[] Quantize(byte[] fp32Model, out QuantizationSummary summary)
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
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 13;
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new List<NodeProto>(graph.Node.Count);
        int matMuls = 0, gathers = 0;
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

            if (node.OpType == "Gather" && node.Domain is "" or "ai.onnx" && node.Input.Count == 2 && Axis(node) == 0
                && initializers.TryGetValue(node.Input[0], out var table) && IsFloatMatrix(table) && table.Dims[0] >= MinTableRows)
            {
                var (quantized, scales) = QuantizeRows(table);
                graph.Initializer.Add(quantized);
                graph.Initializer.Add(scales);
                replaced.Add(table.Name);
                nodes.AddRange(GatherInt8(node, quantized.Name, scales.Name, opset));
                if (opset >= 13)
                {
                    // Unsqueeze takes its axes as an input from opset 13 on.
                    var axes = new TensorProto { Name = AxesName(node), DataType = (int)TensorProto.Types.DataType.Int64 };
                    axes.Dims.Add(1);
                    axes.Int64Data.Add(-1);
                    graph.Initializer.Add(axes);
                }

                gathers++;
                before += FloatCount(table) * 4;
                after += quantized.RawData.Length + scales.RawData.Length;
                continue;
            }

            nodes.Add(node);
        }

        // The fp32 constants that only the rewritten nodes read are gone.
        var stillRead = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var name in replaced.Where(n => !stillRead.Contains(n)))
        {
            graph.Initializer.Remove(initializers[name]);
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        if (!model.OpsetImport.Any(o => o.Domain == Microsoft))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = Microsoft, Version = 1 });
        }

        model.MetadataProps.Add(new StringStringEntryProto { Key = "vehicle.quantizer", Value = $"int8 v{Version}" });
        summary = new QuantizationSummary(matMuls, gathers, before, after);
        return model.ToByteArray();
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
    private static (TensorProto Quantized, TensorProto Scales) QuantizeRows(TensorProto table)
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

        return (Int8Tensor(table.Name + "_int8", table.Dims, quantized), FloatTensor(table.Name + "_scale", [rows], scales));
    }

    /// <summary>Gather(int8 table, ids) → Cast → × Unsqueeze(Gather(scales, ids)): only the gathered rows are dequantised.</summary>
    private static IEnumerable<NodeProto> GatherInt8(NodeProto gather, string table, string scales, long opset)
    {
        var ids = gather.Input[1];
        var prefix = Prefix(gather);
        NodeProto Node(string op, string name, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = $"{prefix}_{name}" };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            return node;
        }

        yield return Node("Gather", "int8", [table, ids], prefix + "_rows_int8");
        yield return Node("Gather", "scale", [scales, ids], prefix + "_row_scale");
        yield return Node("Cast", "cast", [prefix + "_rows_int8"], prefix + "_rows", new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
        if (opset >= 13)
        {
            yield return Node("Unsqueeze", "unsqueeze", [prefix + "_row_scale", AxesName(gather)], prefix + "_row_scale_1");
        }
        else
        {
            yield return Node("Unsqueeze", "unsqueeze", [prefix + "_row_scale"], prefix + "_row_scale_1", new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { -1 } });
        }

        yield return Node("Mul", "dequantize", [prefix + "_rows", prefix + "_row_scale_1"], gather.Output[0]);
    }

    private static string Prefix(NodeProto gather) => gather.Name.Length > 0 ? gather.Name : gather.Output[0];

    private static string AxesName(NodeProto gather) => Prefix(gather) + "_axes";

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
/// <param name="Gathers">Embedding gathers now from an int8 table.</param>
/// <param name="BytesBefore">fp32 bytes of the constants rewritten.</param>
/// <param name="BytesAfter">int8 bytes and scales that replaced them.</param>
internal sealed record QuantizationSummary(int MatMuls, int Gathers, long BytesBefore, long BytesAfter);
