using Summarizer.Model.Configuration;

namespace Summarizer.Model.Bart;

/// <summary>
/// Every parameter a BART-family <c>ForConditionalGeneration</c> checkpoint holds for a config, by Hugging Face name and
/// shape, in the order HF's state dict lists them. Used to write checkpoints in exactly HF's layout and to count
/// parameters.
/// </summary>
public static class BartParameterLayout
{
    /// <summary>The (name, shape) pairs for <paramref name="config"/>.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> For(ModelConfig config)
    {
        long d = config.DModel;
        var list = new List<(string, long[])> { ("model.shared.weight", [config.VocabSize, d]) };
        foreach (var (stack, layers, ffn, isDecoder) in new[]
                 {
                     ("encoder", config.EncoderLayers, (long)config.EncoderFfnDim, false),
                     ("decoder", config.DecoderLayers, (long)config.DecoderFfnDim, true),
                 })
        {
            string p = "model." + stack;
            if (!config.StaticPositionEmbeddings)
                list.Add(($"{p}.embed_positions.weight", [config.MaxPositionEmbeddings + config.PositionOffset, d]));
            for (int i = 0; i < layers; i++)
            {
                string l = $"{p}.layers.{i}";
                AddAttention(list, l + ".self_attn", d);
                AddNorm(list, l + ".self_attn_layer_norm", d);
                if (isDecoder)
                {
                    AddAttention(list, l + ".encoder_attn", d);
                    AddNorm(list, l + ".encoder_attn_layer_norm", d);
                }
                list.Add(($"{l}.fc1.weight", [ffn, d]));
                list.Add(($"{l}.fc1.bias", [ffn]));
                list.Add(($"{l}.fc2.weight", [d, ffn]));
                list.Add(($"{l}.fc2.bias", [d]));
                AddNorm(list, l + ".final_layer_norm", d);
            }
            if (config.HasLayerNormEmbedding) AddNorm(list, p + ".layernorm_embedding", d);
            if (config.AddFinalLayerNorm) AddNorm(list, p + ".layer_norm", d);
        }
        list.Add(("final_logits_bias", [1, config.VocabSize]));
        return list;
    }

    /// <summary>Number of distinct parameters (tied embeddings counted once).</summary>
    public static long ParameterCount(ModelConfig config) =>
        For(config).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    private static void AddAttention(List<(string, long[])> list, string prefix, long d)
    {
        foreach (var proj in new[] { "k_proj", "v_proj", "q_proj", "out_proj" })
        {
            list.Add(($"{prefix}.{proj}.weight", [d, d]));
            list.Add(($"{prefix}.{proj}.bias", [d]));
        }
    }

    private static void AddNorm(List<(string, long[])> list, string prefix, long d)
    {
        list.Add(($"{prefix}.weight", [d]));
        list.Add(($"{prefix}.bias", [d]));
    }
}
