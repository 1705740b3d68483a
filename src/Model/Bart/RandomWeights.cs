using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;

namespace Summarizer.Model.Bart;

/// <summary>
/// Deterministic random parameters for a config: the same seed gives bit-identical weights on every machine, since the
/// numbers come from a seeded managed generator rather than libtorch's. They exercise the pipeline, not language.
/// </summary>
public static class RandomWeights
{
    /// <summary>Generates every parameter of the family's layout for <paramref name="config"/>.</summary>
    public static InMemoryWeights Generate(ModelConfig config, int seed, double std = 0.02)
    {
        var random = new Random(seed);
        var weights = new InMemoryWeights();
        foreach (var (name, shape) in Network.EncoderDecoderNetworks.ParameterLayout(config))
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            var data = new float[count];
            bool isNorm = name.Contains("layer_norm", StringComparison.Ordinal) || name.Contains("layernorm", StringComparison.Ordinal);
            // Norm scales near 1 and small non-zero biases, so a test notices a misplaced norm or bias.
            double mean = isNorm && name.EndsWith(".weight", StringComparison.Ordinal) ? 1.0 : 0.0;
            double scale = name.EndsWith(".bias", StringComparison.Ordinal) || isNorm || name == "final_logits_bias" ? std * 0.5 : std;
            for (long i = 0; i < count; i++) data[i] = (float)(mean + scale * Gaussian(random));
            weights.Add(name, torch.tensor(data, shape));
        }
        return weights;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
