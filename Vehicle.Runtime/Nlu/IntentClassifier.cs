using System.Numerics.Tensors;
using System.Text;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// The intent head: a class-balanced ridge-regression classifier over the encoder's sentence
/// embeddings, trained in closed form from the catalog's examples, with a softmax temperature and
/// an out-of-domain threshold calibrated on 5-fold out-of-fold predictions. Closed form means no
/// learning rate, no epochs, no randomness: the same catalog gives the same head, in well under a
/// second, and the result is cached on disk.
/// </summary>
internal sealed class IntentClassifier
{
    internal const int Folds = 5;
    private const int FormatVersion = 1;
    private static readonly double[] Lambdas = [0.01, 0.03, 0.1, 0.3, 1.0];

    /// <summary>Share of correct in-domain out-of-fold predictions the threshold keeps on board.</summary>
    internal const double InDomainAcceptance = 0.97;

    private readonly float[] _weights; // classes x (dimension + 1), the last column is the bias

    private IntentClassifier(string[] intents, int dimension, float[] weights, double temperature, double threshold, double lambda, double outOfFoldAccuracy)
    {
        Intents = intents;
        Dimension = dimension;
        _weights = weights;
        Temperature = temperature;
        Threshold = threshold;
        Lambda = lambda;
        OutOfFoldAccuracy = outOfFoldAccuracy;
    }

    public string[] Intents { get; }

    public int Dimension { get; }

    public double Temperature { get; }

    /// <summary>Calibrated out-of-domain threshold (used when configuration does not set one).</summary>
    public double Threshold { get; }

    public double Lambda { get; }

    /// <summary>Accuracy on out-of-fold catalog examples, with the threshold applied.</summary>
    public double OutOfFoldAccuracy { get; }

    /// <summary>Calibrated class probabilities for one feature row.</summary>
    public void Predict(ReadOnlySpan<float> features, Span<float> probabilities)
    {
        var stride = Dimension + 1;
        for (var c = 0; c < Intents.Length; c++)
        {
            var row = _weights.AsSpan(c * stride, stride);
            probabilities[c] = (TensorPrimitives.Dot(row[..Dimension], features) + row[Dimension]) / (float)Temperature;
        }

        TensorPrimitives.SoftMax(probabilities[..Intents.Length], probabilities[..Intents.Length]);
    }

    /// <summary>Trains the head on row-major feature rows with one label (index into <paramref name="intents"/>) per row.</summary>
    public static IntentClassifier Train(float[] features, int[] labels, string[] intents, int dimension, string? cloudIntent)
    {
        var n = labels.Length;
        var classes = intents.Length;
        var d1 = dimension + 1;
        var cloud = cloudIntent is null ? -1 : Array.IndexOf(intents, cloudIntent);

        // Balanced sample weights, so the large cloud class does not drown twelve-example intents.
        var counts = new int[classes];
        foreach (var l in labels)
        {
            counts[l]++;
        }

        var weights = labels.Select(l => (double)n / (classes * counts[l])).ToArray();

        // Per-fold Gram matrices and right-hand sides; a fold's training system is total - fold.
        var gram = new double[Folds][];
        var rhs = new double[Folds][];
        for (var f = 0; f < Folds; f++)
        {
            gram[f] = new double[d1 * d1];
            rhs[f] = new double[d1 * classes];
        }

        var x = new double[d1];
        for (var i = 0; i < n; i++)
        {
            Row(features, i, dimension, x);
            var f = i % Folds;
            var g = gram[f];
            var w = weights[i];
            for (var a = 0; a < d1; a++)
            {
                if (x[a] == 0)
                {
                    continue; // the lexical block is sparse
                }

                var wa = w * x[a];
                TensorPrimitives.MultiplyAdd(x, wa, g.AsSpan(a * d1, d1), g.AsSpan(a * d1, d1));
                rhs[f][(a * classes) + labels[i]] += wa;
            }
        }

        var totalGram = new double[d1 * d1];
        var totalRhs = new double[d1 * classes];
        for (var f = 0; f < Folds; f++)
        {
            TensorPrimitives.Add(totalGram, gram[f], totalGram);
            TensorPrimitives.Add(totalRhs, rhs[f], totalRhs);
        }

        // Choose the ridge strength by out-of-fold accuracy, then the temperature by out-of-fold
        // log-likelihood, then the threshold by out-of-fold routing accuracy.
        double[]? bestScores = null;
        var bestLambda = Lambdas[0];
        var bestAccuracy = -1.0;
        foreach (var lambda in Lambdas)
        {
            var scores = OutOfFoldScores(features, n, dimension, classes, totalGram, totalRhs, gram, rhs, lambda);
            var accuracy = Accuracy(scores, labels, classes);
            if (accuracy > bestAccuracy + 1e-9)
            {
                (bestAccuracy, bestLambda, bestScores) = (accuracy, lambda, scores);
            }
        }

        var temperature = FitTemperature(bestScores!, labels, classes);
        var (threshold, routedAccuracy) = FitThreshold(bestScores!, labels, classes, temperature, cloud);
        var solution = Solve(totalGram, totalRhs, d1, classes, bestLambda);
        var final = new float[classes * d1];
        for (var c = 0; c < classes; c++)
        {
            for (var a = 0; a < d1; a++)
            {
                final[(c * d1) + a] = (float)solution[(a * classes) + c];
            }
        }

        return new IntentClassifier(intents, dimension, final, temperature, threshold, bestLambda, routedAccuracy);
    }

    public void Save(Stream stream, string key)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(FormatVersion);
        writer.Write(key);
        writer.Write(Dimension);
        writer.Write(Intents.Length);
        foreach (var intent in Intents)
        {
            writer.Write(intent);
        }

        writer.Write(Temperature);
        writer.Write(Threshold);
        writer.Write(Lambda);
        writer.Write(OutOfFoldAccuracy);
        foreach (var w in _weights)
        {
            writer.Write(w);
        }
    }

    /// <summary>Reads a cached head; null when the file was written for another key or format.</summary>
    public static IntentClassifier? Load(Stream stream, string key)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadInt32() != FormatVersion || reader.ReadString() != key)
        {
            return null;
        }

        var dimension = reader.ReadInt32();
        var intents = new string[reader.ReadInt32()];
        for (var i = 0; i < intents.Length; i++)
        {
            intents[i] = reader.ReadString();
        }

        var temperature = reader.ReadDouble();
        var threshold = reader.ReadDouble();
        var lambda = reader.ReadDouble();
        var accuracy = reader.ReadDouble();
        var weights = new float[intents.Length * (dimension + 1)];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = reader.ReadSingle();
        }

        return new IntentClassifier(intents, dimension, weights, temperature, threshold, lambda, accuracy);
    }

    private static double[] OutOfFoldScores(float[] embeddings, int n, int dimension, int classes, double[] totalGram, double[] totalRhs, double[][] gram, double[][] rhs, double lambda)
    {
        var d1 = dimension + 1;
        var scores = new double[n * classes];
        var x = new double[d1];
        for (var f = 0; f < Folds; f++)
        {
            var g = new double[totalGram.Length];
            var r = new double[totalRhs.Length];
            TensorPrimitives.Subtract(totalGram, gram[f], g);
            TensorPrimitives.Subtract(totalRhs, rhs[f], r);
            var w = Solve(g, r, d1, classes, lambda);
            for (var i = f; i < n; i += Folds)
            {
                Row(embeddings, i, dimension, x);
                for (var c = 0; c < classes; c++)
                {
                    var s = 0.0;
                    for (var a = 0; a < d1; a++)
                    {
                        s += x[a] * w[(a * classes) + c];
                    }

                    scores[(i * classes) + c] = s;
                }
            }
        }

        return scores;
    }

    /// <summary>Solves (G + lambda I) W = B by Cholesky; G is d x d, B is d x classes, row-major.</summary>
    private static double[] Solve(double[] gram, double[] rhs, int d, int classes, double lambda)
    {
        var l = (double[])gram.Clone();
        for (var i = 0; i < d; i++)
        {
            l[(i * d) + i] += lambda;
        }

        for (var j = 0; j < d; j++)
        {
            var rowJ = l.AsSpan(j * d, j);
            var diagonal = l[(j * d) + j] - TensorPrimitives.Dot(rowJ, rowJ);
            var pivot = Math.Sqrt(Math.Max(diagonal, 1e-12));
            l[(j * d) + j] = pivot;
            for (var i = j + 1; i < d; i++)
            {
                var value = l[(i * d) + j] - TensorPrimitives.Dot(l.AsSpan(i * d, j), rowJ);
                l[(i * d) + j] = value / pivot;
            }
        }

        var w = (double[])rhs.Clone();
        for (var c = 0; c < classes; c++)
        {
            // Forward (L y = b) then backward (L^T w = y) substitution, column c.
            for (var i = 0; i < d; i++)
            {
                var s = w[(i * classes) + c];
                for (var k = 0; k < i; k++)
                {
                    s -= l[(i * d) + k] * w[(k * classes) + c];
                }

                w[(i * classes) + c] = s / l[(i * d) + i];
            }

            for (var i = d - 1; i >= 0; i--)
            {
                var s = w[(i * classes) + c];
                for (var k = i + 1; k < d; k++)
                {
                    s -= l[(k * d) + i] * w[(k * classes) + c];
                }

                w[(i * classes) + c] = s / l[(i * d) + i];
            }
        }

        return w;
    }

    private static double FitTemperature(double[] scores, int[] labels, int classes)
    {
        // Ridge scores live on a ~0..1 scale; search the temperature on a log grid.
        var best = 1.0;
        var bestLoss = double.MaxValue;
        for (var t = 0.01; t <= 1.0; t *= 1.05)
        {
            var loss = 0.0;
            for (var i = 0; i < labels.Length; i++)
            {
                loss -= Math.Log(Math.Max(Probability(scores, i, classes, t, labels[i]), 1e-12));
            }

            if (loss < bestLoss)
            {
                (bestLoss, best) = (loss, t);
            }
        }

        return best;
    }

    /// <summary>
    /// The out-of-domain threshold: the highest confidence that still accepts
    /// <see cref="InDomainAcceptance"/> of the correctly classified in-domain out-of-fold examples.
    /// Out-of-fold catalog examples contain no real out-of-domain noise to optimise against, so
    /// the threshold is set by what it costs in-domain; everything below it goes to the cloud.
    /// Returns the threshold and the out-of-fold routing accuracy with it applied.
    /// </summary>
    private static (double Threshold, double Accuracy) FitThreshold(double[] scores, int[] labels, int classes, double temperature, int cloud)
    {
        var n = labels.Length;
        var accepted = new List<double>();
        var predicted = new int[n];
        var confidence = new double[n];
        for (var i = 0; i < n; i++)
        {
            predicted[i] = ArgMax(scores.AsSpan(i * classes, classes));
            confidence[i] = Probability(scores, i, classes, temperature, predicted[i]);
            if (predicted[i] == labels[i] && labels[i] != cloud)
            {
                accepted.Add(confidence[i]);
            }
        }

        accepted.Sort();
        var threshold = accepted.Count == 0 || cloud < 0 ? 0 : Math.Floor(accepted[(int)((1 - InDomainAcceptance) * accepted.Count)] * 100) / 100;
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            var label = cloud >= 0 && confidence[i] < threshold ? cloud : predicted[i];
            correct += label == labels[i] ? 1 : 0;
        }

        return (threshold, (double)correct / n);
    }

    private static double Probability(double[] scores, int i, int classes, double temperature, int c)
    {
        var row = scores.AsSpan(i * classes, classes);
        var max = row[ArgMax(row)];
        var sum = 0.0;
        foreach (var s in row)
        {
            sum += Math.Exp((s - max) / temperature);
        }

        return Math.Exp((row[c] - max) / temperature) / sum;
    }

    private static double Accuracy(double[] scores, int[] labels, int classes)
    {
        var correct = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            correct += ArgMax(scores.AsSpan(i * classes, classes)) == labels[i] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }

    private static int ArgMax(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static void Row(float[] embeddings, int i, int dimension, double[] x)
    {
        for (var a = 0; a < dimension; a++)
        {
            x[a] = embeddings[(i * dimension) + a];
        }

        x[dimension] = 1;
    }
}
