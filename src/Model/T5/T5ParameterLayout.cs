using Summarizer.Model.Configuration;

namespace Summarizer.Model.T5;

/// <summary>
/// Every parameter a <c>T5ForConditionalGeneration</c> checkpoint holds, by Hugging Face name and shape, as
/// <c>save_pretrained</c> writes it: <c>shared.weight</c> (the tied <c>embed_tokens</c> are not repeated), the blocks,
/// the final norms, and <c>lm_head.weight</c> only when it is not tied.
/// </summary>
public static class T5ParameterLayout
{
    /// <summary>The (name, shape) pairs for <paramref name="config"/>.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> For(ModelConfig config)
    {
        long d = config.DModel, inner = (long)config.EncoderAttentionHeads * config.EncoderHeadDim, ff = config.EncoderFfnDim;
        var list = new List<(string, long[])> { ("shared.weight", [config.VocabSize, d]) };
        foreach (var (stack, layers, isDecoder) in new[] { ("encoder", config.EncoderLayers, false), ("decoder", config.DecoderLayers, true) })
        {
            for (int i = 0; i < layers; i++)
            {
                string b = $"{stack}.block.{i}.layer";
                AddAttention(list, $"{b}.0.SelfAttention", d, inner);
                if (i == 0) list.Add(($"{b}.0.SelfAttention.relative_attention_bias.weight", [config.RelativeAttentionNumBuckets, config.EncoderAttentionHeads]));
                list.Add(($"{b}.0.layer_norm.weight", [d]));
                int ffLayer = 1;
                if (isDecoder)
                {
                    AddAttention(list, $"{b}.1.EncDecAttention", d, inner);
                    list.Add(($"{b}.1.layer_norm.weight", [d]));
                    ffLayer = 2;
                }
                if (config.IsGatedActivation)
                {
                    list.Add(($"{b}.{ffLayer}.DenseReluDense.wi_0.weight", [ff, d]));
                    list.Add(($"{b}.{ffLayer}.DenseReluDense.wi_1.weight", [ff, d]));
                }
                else
                {
                    list.Add(($"{b}.{ffLayer}.DenseReluDense.wi.weight", [ff, d]));
                }
                list.Add(($"{b}.{ffLayer}.DenseReluDense.wo.weight", [d, ff]));
                list.Add(($"{b}.{ffLayer}.layer_norm.weight", [d]));
            }
            list.Add(($"{stack}.final_layer_norm.weight", [d]));
        }
        if (!config.TieWordEmbeddings) list.Add(("lm_head.weight", [config.VocabSize, d]));
        return list;
    }

    private static void AddAttention(List<(string, long[])> list, string prefix, long d, long inner)
    {
        list.Add(($"{prefix}.q.weight", [inner, d]));
        list.Add(($"{prefix}.k.weight", [inner, d]));
        list.Add(($"{prefix}.v.weight", [inner, d]));
        list.Add(($"{prefix}.o.weight", [d, inner]));
    }
}
