using Summarizer.Model.Bart;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using Summarizer.Model.Network;
using Summarizer.Model.T5;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.T5;

public sealed class T5LayerTests
{
    [Fact]
    public void LayerNormIsRmsNormWithoutMeanOrBiasAgainstTheFormula()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 3 * 8).Select(_ => (float)(random.NextDouble() * 4 - 1)).ToArray();   // non-zero mean on purpose
        var w = Enumerable.Range(0, 8).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        using var weights = new InMemoryWeights();
        weights.Add("n.weight", tensor(w));
        using var norm = new T5LayerNorm(weights, "n", 8, 1e-6);
        using var scope = NewDisposeScope();

        var actual = norm.Forward(tensor(x, [3, 8])).data<float>().ToArray();

        for (int row = 0; row < 3; row++)
        {
            double meanSquare = Enumerable.Range(0, 8).Average(i => (double)x[row * 8 + i] * x[row * 8 + i]);
            for (int i = 0; i < 8; i++)
                Assert.Equal(w[i] * x[row * 8 + i] / Math.Sqrt(meanSquare + 1e-6), actual[row * 8 + i], 5);
        }
    }

    /// <summary>HF's _relative_position_bucket written out independently, in single precision as torch computes it.</summary>
    private static long ExpectedBucket(long relative, bool bidirectional, int buckets, int maxDistance)
    {
        long result = 0, n;
        if (bidirectional)
        {
            buckets /= 2;
            if (relative > 0) result += buckets;
            n = Math.Abs(relative);
        }
        else
        {
            n = Math.Max(-relative, 0);
        }
        int maxExact = buckets / 2;
        if (n < maxExact) return result + n;
        float ratio = MathF.Log(n / (float)maxExact) / (float)Math.Log((double)maxDistance / maxExact);
        long large = maxExact + (long)(ratio * (buckets - maxExact));
        return result + Math.Min(large, buckets - 1);
    }

    [Theory]
    [InlineData(true, 32, 128)]
    [InlineData(false, 32, 128)]
    [InlineData(true, 8, 20)]
    [InlineData(false, 16, 50)]
    public void RelativePositionBucketsMatchTheFormula(bool bidirectional, int buckets, int maxDistance)
    {
        using var scope = NewDisposeScope();
        var relative = Enumerable.Range(-300, 601).Select(i => (long)i).ToArray();

        var actual = T5RelativePositionBias.Bucket(tensor(relative), bidirectional, buckets, maxDistance).data<long>().ToArray();

        Assert.Equal(relative.Select(r => ExpectedBucket(r, bidirectional, buckets, maxDistance)), actual);
    }

    [Fact]
    public void BucketsOfT5DefaultsAtKnownDistances()
    {
        using var scope = NewDisposeScope();
        long Bucket(long r, bool bi) => T5RelativePositionBias.Bucket(tensor(new[] { r }), bi, 32, 128).data<long>()[0];

        // Encoder: keys before the query fill 0..15, after it 16..31; exact below 8, logarithmic up to 128.
        Assert.Equal([0L, 17, 1, 23, 7, 31, 15], new[] { Bucket(0, true), Bucket(1, true), Bucket(-1, true), Bucket(7, true), Bucket(-7, true), Bucket(500, true), Bucket(-500, true) });
        // Decoder: only the past counts; every future key shares bucket 0.
        Assert.Equal([0L, 1, 15, 31, 0], new[] { Bucket(0, false), Bucket(-1, false), Bucket(-15, false), Bucket(-1000, false), Bucket(5, false) });
    }

    [Fact]
    public void ParameterLayoutUsesHuggingFaceNamesWithoutBiases()
    {
        var tied = T5ParameterLayout.For(TinyFamily.Config("t5")).Select(p => p.Name).ToList();
        var gated = T5ParameterLayout.For(TinyFamily.Config("mt5")).Select(p => p.Name).ToList();

        Assert.Equal("shared.weight", tied[0]);
        Assert.Contains("encoder.block.0.layer.0.SelfAttention.q.weight", tied);
        Assert.Contains("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", tied);
        Assert.Contains("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", tied);
        Assert.DoesNotContain("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", tied);
        Assert.DoesNotContain(tied, n => n.Contains("EncDecAttention.relative_attention_bias", StringComparison.Ordinal));
        Assert.Contains("decoder.block.1.layer.1.EncDecAttention.o.weight", tied);
        Assert.Contains("decoder.block.1.layer.2.DenseReluDense.wi.weight", tied);
        Assert.Contains("encoder.final_layer_norm.weight", tied);
        Assert.DoesNotContain("lm_head.weight", tied);
        Assert.DoesNotContain(tied, n => n.EndsWith(".bias", StringComparison.Ordinal));
        Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wi_0.weight", gated);
        Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wi_1.weight", gated);
        Assert.Equal("lm_head.weight", gated[^1]);
    }

    [Fact]
    public void MissingRelativeBiasTensorIsAnErrorNamingIt()
    {
        var config = TinyFamily.Config("t5");
        using var weights = RandomWeights.Generate(config, seed: 1);
        using var partial = new InMemoryWeights();
        foreach (var name in weights.Names.Where(n => !n.StartsWith("decoder.block.0.layer.0.SelfAttention.relative", StringComparison.Ordinal)))
            partial.Add(name, weights[name].clone());

        var error = Assert.Throws<CheckpointException>(() => new T5Model(partial, config));

        Assert.Equal("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", error.Field);
        Assert.Contains("first block", error.Message);
    }

    [Fact]
    public void UntiedHeadWithoutLmHeadWeightIsAnErrorNamingIt()
    {
        var config = TinyFamily.Config("mt5");
        using var weights = RandomWeights.Generate(config with { TieWordEmbeddings = true }, seed: 1);

        var error = Assert.Throws<CheckpointException>(() => new T5Model(weights, config));

        Assert.Equal("lm_head.weight", error.Field);
    }

    [Fact]
    public void TiedHeadScalesTheDecoderOutputByInverseSqrtOfDModel()
    {
        var config = TinyFamily.Config("t5");
        using var weights = RandomWeights.Generate(config, seed: 3, std: 0.2);
        using var untiedWeights = new InMemoryWeights();
        foreach (var name in weights.Names) untiedWeights.Add(name, weights[name].clone());
        untiedWeights.Add("lm_head.weight", weights["shared.weight"].clone());
        using var tied = new T5Model(weights, config);
        using var untied = new T5Model(untiedWeights, config with { TieWordEmbeddings = false });
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = tensor(new long[] { 5, 6, 7, 1 }, [1, 4]);
        var memory = new TinyFamily.DenseMemory(tied.ProjectCrossKeyValues(tied.Encode(ids, ones_like(ids))));
        using var c1 = tied.CreateCache();
        using var c2 = untied.CreateCache();

        var a = tied.DecodeStep(tensor(new long[] { 0 }, [1, 1]), c1, memory);
        var b = untied.DecodeStep(tensor(new long[] { 0 }, [1, 1]), c2, memory);

        Assert.True(a.allclose(b * Math.Pow(32, -0.5), rtol: 1e-4, atol: 1e-6));
    }

    [Theory]
    [InlineData("swiglu-gated", "feed_forward_proj")]
    [InlineData("gated-gelu-x", "feed_forward_proj")]
    [InlineData("gated-swish2", "feed_forward_proj")]
    public void UnknownFeedForwardProjIsRejectedNamingTheField(string proj, string field)
    {
        var json = $$"""{ "model_type": "t5", "d_model": 8, "d_kv": 2, "num_heads": 4, "d_ff": 16, "vocab_size": 40, "decoder_start_token_id": 0, "feed_forward_proj": "{{proj}}" }""";

        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse(json, "/m/config.json"));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void FlanT5ConfigReadsGatedGeluUntiedHeadAndTheSummarizationPrefix()
    {
        var config = ModelConfig.Parse("""
            { "architectures": ["T5ForConditionalGeneration"], "d_ff": 2048, "d_kv": 64, "d_model": 768, "decoder_start_token_id": 0,
              "dense_act_fn": "gelu_new", "dropout_rate": 0.1, "eos_token_id": 1, "feed_forward_proj": "gated-gelu", "initializer_factor": 1.0,
              "is_encoder_decoder": true, "is_gated_act": true, "layer_norm_epsilon": 1e-06, "model_type": "t5", "n_positions": 512,
              "num_decoder_layers": 12, "num_heads": 12, "num_layers": 12, "output_past": true, "pad_token_id": 0,
              "relative_attention_max_distance": 128, "relative_attention_num_buckets": 32,
              "task_specific_params": { "summarization": { "early_stopping": true, "length_penalty": 2.0, "max_length": 200, "min_length": 30, "no_repeat_ngram_size": 3, "num_beams": 4, "prefix": "summarize: " } },
              "tie_word_embeddings": false, "transformers_version": "4.23.1", "use_cache": true, "vocab_size": 32128 }
            """, "/flan-t5-base/config.json");

        Assert.Equal(NetworkArchitecture.T5, config.Network);
        Assert.True(config.IsGatedActivation);
        Assert.Equal(ActivationFunction.GeluNew, config.ActivationFunction);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal("summarize: ", config.SummarizationPrefix);
        Assert.Equal(12, config.DecoderLayers);
        Assert.Equal(64, config.DecoderHeadDim);
        Assert.Null(config.DecoderPositionLimit);
        Assert.Equal(512, config.DefaultShardLength);
        Assert.Equal(247_577_856, EncoderDecoderNetworks.ParameterCount(config));   // flan-t5-base's published size
        Assert.Equal(config, ModelConfig.Parse(config.ToJson(), "/flan-t5-base/config.json"));
    }

    [Fact]
    public void T5SmallConfigIsReluTiedWithItsPublishedParameterCount()
    {
        var config = ModelConfig.Parse("""
            { "architectures": ["T5ForConditionalGeneration"], "d_ff": 2048, "d_kv": 64, "d_model": 512, "decoder_start_token_id": 0,
              "dropout_rate": 0.1, "eos_token_id": 1, "initializer_factor": 1.0, "is_encoder_decoder": true, "layer_norm_epsilon": 1e-06,
              "model_type": "t5", "n_positions": 512, "num_heads": 8, "num_layers": 6, "output_past": true, "pad_token_id": 0,
              "relative_attention_num_buckets": 32, "task_specific_params": { "summarization": { "prefix": "summarize: " } }, "vocab_size": 32128 }
            """, "/t5-small/config.json");

        Assert.False(config.IsGatedActivation);
        Assert.Equal(ActivationFunction.Relu, config.ActivationFunction);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(6, config.DecoderLayers);
        Assert.Equal(60_506_624, EncoderDecoderNetworks.ParameterCount(config));   // t5-small's published size
    }
}
