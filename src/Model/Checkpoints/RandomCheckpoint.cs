using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using Summarizer.Model.Tokenization;
using Summarizer.Model.Tokenization.SentencePiece;

namespace Summarizer.Model.Checkpoints;

/// <summary>
/// Writes a deterministic random checkpoint in exactly Hugging Face's layout for its family: <c>config.json</c>,
/// <c>generation_config.json</c> (PEGASUS keeps its generation settings in config.json, as its checkpoints do),
/// <c>model.safetensors</c> with HF parameter names, and a real tokenizer trained on a text corpus — byte-level BPE
/// (<c>vocab.json</c>/<c>merges.txt</c>) for BART, SentencePiece trained by <c>spm_train</c> for the others
/// (<c>spiece.model</c>; Flan-T5 also <c>tokenizer.json</c>; mBART <c>sentencepiece.bpe.model</c>). The loader reads it
/// exactly as it reads the real checkpoints. Random weights demonstrate the pipeline, not summaries.
/// </summary>
public static partial class RandomCheckpoint
{
    /// <summary>Model shapes to generate.</summary>
    public enum Preset
    {
        /// <summary>BART, 2+2 layers, d_model 64, 256 positions: fast, and long documents make many shards.</summary>
        Tiny,

        /// <summary>facebook/bart-base's shape: 6+6 layers, d_model 768, 12 heads, 1,024 positions (vocab_size = its tokenizer's).</summary>
        BartBase,

        /// <summary>Original T5 (t5-small's layout): ReLU, tied embeddings, "summarize: " prefix, 2+2 blocks, d_model 64.</summary>
        T5Tiny,

        /// <summary>Flan-T5 / T5 v1.1 (google/flan-t5-base's layout): gated-gelu, untied lm_head, tokenizer.json too.</summary>
        FlanT5Tiny,

        /// <summary>PEGASUS (google/pegasus-cnn_dailymail's layout): sinusoidal positions, ids shifted by 103.</summary>
        PegasusTiny,

        /// <summary>mBART-50 (facebook/mbart-large-50's layout): sentencepiece.bpe.model, language codes, en_XX.</summary>
        MBartTiny,
    }

    /// <summary>The CLI names of the presets.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "bart-base", "t5-tiny", "flan-t5-tiny", "pegasus-tiny", "mbart-tiny"];

    /// <summary>Parses a preset name (<see cref="PresetNames"/>).</summary>
    public static Preset ParsePreset(string name) => name.Trim().ToLowerInvariant() switch
    {
        "tiny" => Preset.Tiny,
        "bart-base" or "bartbase" => Preset.BartBase,
        "t5-tiny" => Preset.T5Tiny,
        "flan-t5-tiny" => Preset.FlanT5Tiny,
        "pegasus-tiny" => Preset.PegasusTiny,
        "mbart-tiny" => Preset.MBartTiny,
        _ => throw new ArgumentException($"Unknown preset '{name}'; expected {string.Join(", ", PresetNames)}."),
    };

    /// <summary>
    /// Writes the checkpoint into <paramref name="directory"/> (created; written to a temporary sibling first and
    /// moved into place, so a concurrent reader never sees half a checkpoint).
    /// </summary>
    public static void Write(string directory, Preset preset, int seed, IEnumerable<string> corpus)
    {
        var full = Path.GetFullPath(directory);
        var staging = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(staging);
        try
        {
            var (config, generation, std) = preset is Preset.Tiny or Preset.BartBase
                ? WriteBartTokenizer(staging, preset, corpus)
                : WriteSentencePieceTokenizer(staging, preset, Cap(corpus, 1_000_000));
            File.WriteAllText(Path.Combine(staging, "config.json"), config.ToJson());
            if (generation is not null) File.WriteAllText(Path.Combine(staging, "generation_config.json"), generation.ToJson());
            using var weights = RandomWeights.Generate(config, seed, std);
            SafeTensorsWriter.Write(Path.Combine(staging, "model.safetensors"),
                weights.Names.Select(n => (n, weights[n])).ToList(),
                new Dictionary<string, string> { ["format"] = "pt" });

            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            Directory.Move(staging, full);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static (ModelConfig, GenerationConfig?, double) WriteBartTokenizer(string staging, Preset preset, IEnumerable<string> corpus)
    {
        int tokenizerVocab = preset == Preset.Tiny ? 2000 : 8000;
        ByteLevelBpeTrainer.TrainToDirectory(Cap(corpus, 3_000_000), tokenizerVocab, staging);
        var tokenizer = BartTokenizer.Load(staging);
        // vocab_size is the tokenizer's: a larger matrix would let the model generate ids the tokenizer cannot decode.
        var config = ConfigFor(preset, tokenizer.VocabSize);
        return (config, GenerationConfig.FromModelConfig(config), config.InitStd);
    }

    /// <summary>The config a BART preset writes, with generation defaults in the legacy fields as bart-large-cnn has them.</summary>
    public static ModelConfig ConfigFor(Preset preset, int vocabSize)
    {
        bool tiny = preset == Preset.Tiny;
        var json = $$"""
        {
          "model_type": "bart",
          "architectures": ["BartForConditionalGeneration"],
          "activation_function": "gelu",
          "d_model": {{(tiny ? 64 : 768)}},
          "encoder_layers": {{(tiny ? 2 : 6)}},
          "decoder_layers": {{(tiny ? 2 : 6)}},
          "encoder_attention_heads": {{(tiny ? 4 : 12)}},
          "decoder_attention_heads": {{(tiny ? 4 : 12)}},
          "encoder_ffn_dim": {{(tiny ? 256 : 3072)}},
          "decoder_ffn_dim": {{(tiny ? 256 : 3072)}},
          "vocab_size": {{vocabSize}},
          "max_position_embeddings": {{(tiny ? 256 : 1024)}},
          "init_std": {{(tiny ? "0.1" : "0.02")}},
          "scale_embedding": false,
          "normalize_before": false,
          "add_final_layer_norm": false,
          "static_position_embeddings": false,
          "pad_token_id": 1,
          "bos_token_id": 0,
          "eos_token_id": 2,
          "decoder_start_token_id": 2,
          "forced_bos_token_id": 0,
          "forced_eos_token_id": 2,
          "tie_word_embeddings": true,
          "num_beams": 4,
          "length_penalty": 2.0,
          "max_length": 142,
          "min_length": 56,
          "no_repeat_ngram_size": 3,
          "early_stopping": true
        }
        """;
        return ModelConfig.Parse(json, "<preset " + preset + ">");
    }

    private static IEnumerable<string> Cap(IEnumerable<string> texts, int maxChars)
    {
        int total = 0;
        foreach (var t in texts)
        {
            if (total >= maxChars) yield break;
            var piece = t.Length > maxChars - total ? t[..(maxChars - total)] : t;
            total += piece.Length;
            yield return piece;
        }
    }
}
