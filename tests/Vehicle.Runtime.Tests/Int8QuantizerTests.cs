using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Vehicle.Runtime.Models;
using Vehicle.Runtime.Models.Onnx;
using Vehicle.Runtime.Nlu;
using Xunit.Abstractions;

namespace Vehicle.Runtime.Tests;

/// <summary>The INT8 rewrite on small hand-built graphs, run by ONNX Runtime beside their fp32 originals, and on the shipped encoder.</summary>
public sealed class Int8QuantizerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void MatMulAndEmbeddingGather_Int8_WithinTheErrorOf8BitWeights(int opset)
    {
        var random = new Random(opset);
        var weights = Random(random, 32 * 24, 0.5f);
        var table = Random(random, 1200 * 32, 1f);
        // input_ids → Gather(table) [1, 5, 32] → MatMul(weights) [1, 5, 24]; the gathered rows are an output too.
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, 1, 5));
        graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, 1, 5, 24));
        graph.Output.Add(Value("rows", TensorProto.Types.DataType.Float, 1, 5, 32));
        graph.Initializer.Add(Floats("table", table, 1200, 32));
        graph.Initializer.Add(Floats("weights", weights, 32, 24));
        graph.Node.Add(Node("Gather", ["table", "input_ids"], "rows"));
        graph.Node.Add(Node("MatMul", ["rows", "weights"], "y"));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } } };
        var fp32 = model.ToByteArray();

        var int8 = Int8Quantizer.Quantize(fp32, out var summary);

        Assert.Equal((1, 1), (summary.MatMuls, summary.Gathers));
        Assert.True(summary.BytesAfter < summary.BytesBefore / 3, $"{summary.BytesBefore} → {summary.BytesAfter} bytes");
        var quantized = ModelProto.Parser.ParseFrom(int8.Model);
        Assert.DoesNotContain(quantized.Graph.Initializer, t => t.Name is "table" or "weights"); // the fp32 copies are gone
        Assert.Contains(quantized.Graph.Node, n => n.OpType == "DynamicQuantizeMatMul" && n.Domain == "com.microsoft");
        Assert.DoesNotContain(quantized.Graph.Node, n => n.OpType == "Gather"); // the table left the graph
        Assert.Equal(1200 * 32, int8.Embeddings!.Length);
        long[] ids = [0, 17, 1199, 600, 17];
        var (expectedY, expectedRows) = Run(fp32, ids);

        // The rows come from the table file, looked up in managed code, as the encoder feeds them.
        using var file = new TableFile(int8);
        using var lookup = WordEmbeddings.Load(file.Path);
        Assert.Equal((1200, 32), (lookup.Rows, lookup.Dimension));
        var embeds = new float[ids.Length * 32];
        lookup.Lookup(ids, embeds);
        Assert.Equal(4, lookup.Resident); // only the rows asked for were read (17 twice)
        var (actualY, actualRows) = Run(int8.Model, ids, embeds);
        Assert.Equal(embeds, actualRows);

        // Rows: each value within half a quantisation step of its row (max |row| / 127 / 2).
        for (var i = 0; i < ids.Length; i++)
        {
            var row = table.AsSpan((int)ids[i] * 32, 32);
            var step = row.ToArray().Max(Math.Abs) / 127;
            for (var c = 0; c < 32; c++)
            {
                Assert.True(Math.Abs(expectedRows[(i * 32) + c] - actualRows[(i * 32) + c]) <= (step / 2) + 1e-6, $"row {ids[i]}, column {c}");
            }
        }

        // The product: relative error of a few percent at most (weights and activations both 8-bit).
        var error = Math.Sqrt(expectedY.Zip(actualY, (e, a) => (e - a) * (e - a)).Sum() / expectedY.Sum(e => e * e));
        output.WriteLine($"opset {opset}: relative error of the product {error:P2}");
        Assert.True(error < 0.03, $"relative error {error:P2}");
    }

    [Fact]
    public void Gather_NotIndexedByTheEncodersIds_StaysInTheGraphInFp32()
    {
        var table = Random(new Random(3), 1200 * 8, 1f);
        var graph = new GraphProto { Name = "other" };
        graph.Input.Add(Value("positions", TensorProto.Types.DataType.Int64, 1, 3));
        graph.Output.Add(Value("rows", TensorProto.Types.DataType.Float, 1, 3, 8));
        graph.Initializer.Add(Floats("table", table, 1200, 8));
        graph.Node.Add(Node("Gather", ["table", "positions"], "rows"));
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 13 } } };

        var int8 = Int8Quantizer.Quantize(model.ToByteArray(), out var summary);

        Assert.Equal((0, 0), (summary.MatMuls, summary.Gathers));
        Assert.Null(int8.Embeddings);
        var rewritten = ModelProto.Parser.ParseFrom(int8.Model).Graph;
        Assert.Contains(rewritten.Initializer, t => t.Name == "table");
        Assert.DoesNotContain(rewritten.Input, i => i.Name == Int8Quantizer.EmbeddingsInput);
    }

    [Fact]
    public void WordEmbeddings_IdOutsideTheTable_ClearErrorAndNotATableRefused()
    {
        var int8 = new Int8Model([], [1, 2, 3, 4, 5, 6], [0.5f, 0.25f]);
        using var file = new TableFile(int8);
        using (var lookup = WordEmbeddings.Load(file.Path))
        {
            var row = new float[3];
            lookup.Lookup([1], row);
            Assert.Equal([1f, 1.25f, 1.5f], row);

            var error = Assert.Throws<ArgumentOutOfRangeException>(() => lookup.Lookup([2], row));
            Assert.Contains("token id 2 is outside the 2-row embedding table", error.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => lookup.Lookup([-1], row));
        }

        File.WriteAllBytes(file.Path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
        Assert.Contains("not a word-embedding table", Assert.Throws<InvalidDataException>(() => WordEmbeddings.Load(file.Path)).Message, StringComparison.Ordinal);
        using (var stream = File.Create(file.Path))
        {
            WordEmbeddings.Write(stream, int8.Embeddings, int8.EmbeddingScales);
            stream.WriteByte(0); // one byte too many
        }

        Assert.Contains("says 2 × 3 but holds", Assert.Throws<InvalidDataException>(() => WordEmbeddings.Load(file.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantize_NotAModel_ClearError()
    {
        var error = Assert.Throws<InvalidDataException>(() => Int8Quantizer.Quantize([0x0A, 0xFF, 0xFF, 0x01], out _));
        Assert.StartsWith("not an ONNX model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedEncoder_Int8_CosineToFp32AtLeast099()
    {
        var files = ModelProvisioner.Provision(new NluOptions { Precision = ModelPrecision.Fp32 }, NullLogger.Instance);
        var int8 = Int8Quantizer.Quantize(File.ReadAllBytes(files.ModelPath), out var summary);
        output.WriteLine($"{summary.MatMuls} MatMuls, {summary.Gathers} gathers: {summary.BytesBefore / 1e6:F1} MB of constants → {summary.BytesAfter / 1e6:F1} MB; model {new FileInfo(files.ModelPath).Length / 1e6:F1} → {int8.Model.Length / 1e6:F1} MB");
        Assert.True(summary.MatMuls >= 36, $"{summary.MatMuls} MatMuls"); // 6 layers × (Q, K, V, output, 2 feed-forward)
        Assert.Equal(1, summary.Gathers);
        var directory = Directory.CreateTempSubdirectory("int8-").FullName;
        try
        {
            var int8Path = Path.Combine(directory, "model.int8.onnx");
            File.WriteAllBytes(int8Path, int8.Model);
            var tablePath = Path.Combine(directory, "model.int8.embeddings");
            using (var stream = File.Create(tablePath))
            {
                WordEmbeddings.Write(stream, int8.Embeddings, int8.EmbeddingScales);
            }

            var options = new NluOptions { CacheDirectory = directory };
            using var fp32Encoder = new SentenceEncoder(files, options, NullLogger.Instance);
            using var int8Encoder = new SentenceEncoder(files with { ModelPath = int8Path, Fingerprint = "int8-v" + Int8Quantizer.Version + "-" + files.Fingerprint, Precision = ModelPrecision.Int8, EmbeddingsPath = tablePath }, options, NullLogger.Instance);
            string[] sentences =
            [
                "open my window halfway", "set the temperature to twenty one degrees", "who wrote hamlet", "play some jazz",
                "is it going to rain in munich tomorrow", "turn the seat heater off", "navigate to the nearest charging station",
                "call maria schneider", "what is the capital of australia", "lock the doors", "make it a bit warmer",
            ];
            var a = fp32Encoder.EncodeMany(sentences);
            var b = int8Encoder.EncodeMany(sentences);
            var dimension = fp32Encoder.Dimension;
            var cosines = Enumerable.Range(0, sentences.Length).Select(i => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a.AsSpan(i * dimension, dimension), b.AsSpan(i * dimension, dimension))).ToList();
            output.WriteLine($"cosine to fp32: mean {cosines.Average():F4}, min {cosines.Min():F4}");
            Assert.True(cosines.Average() >= 0.99, $"mean cosine {cosines.Average():F4}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (float[] Y, float[] Rows) Run(byte[] model, long[] ids, float[]? embeds = null)
    {
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = input };
        using var embedsValue = embeds is null ? null : OrtValue.CreateTensorValueFromMemory(embeds, [1, ids.Length, embeds.Length / ids.Length]);
        if (embedsValue is not null)
        {
            inputs[Int8Quantizer.EmbeddingsInput] = embedsValue;
        }

        using var results = session.Run(new RunOptions(), inputs, ["y", "rows"]);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>A quantised model's word-embedding table in a temporary file, deleted on dispose.</summary>
    private sealed class TableFile : IDisposable
    {
        public TableFile(Int8Model model)
        {
            using var stream = File.Create(Path);
            WordEmbeddings.Write(stream, model.Embeddings, model.EmbeddingScales);
        }

        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }

    private static float[] Random(Random random, int count, float range) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * range)];

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }
}
