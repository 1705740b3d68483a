using System.Text;
using System.Text.Json;
using Summarizer.Model.Configuration;
using Summarizer.Model.Tokenization.SentencePiece;

namespace Summarizer.Model.Checkpoints;

// The SentencePiece presets: a real model trained by spm_train with each family's special ids, the tokenizer files its
// checkpoints ship, and a config in its own field names.
public static partial class RandomCheckpoint
{
    private const int SentencePieceVocab = 2000;
    private const double SentencePieceStd = 0.1;

    private static (ModelConfig, GenerationConfig?, double) WriteSentencePieceTokenizer(string staging, Preset preset, IEnumerable<string> corpus)
    {
        bool mbart = preset == Preset.MBartTiny;
        var modelFile = Path.Combine(staging, mbart ? "sentencepiece.bpe.model" : "spiece.model");
        // T5's and PEGASUS's spiece.model: pad 0, eos 1, unk 2, no bos. mBART's: unk 0, bos 1, eos 2, no pad (fairseq adds it).
        var ids = mbart ? new SentencePieceTrainer.SpecialIds(0, 1, 2, -1) : new SentencePieceTrainer.SpecialIds(2, -1, 1, 0);
        SentencePieceTrainer.Train(corpus, modelFile, SentencePieceVocab, bpe: mbart, ids);
        var proto = SentencePieceModelProto.Parse(File.ReadAllBytes(modelFile), modelFile);
        int pieces = proto.Pieces.Count;
        switch (preset)
        {
            case Preset.PegasusTiny:
            {
                var config = Parse(PegasusJson(pieces + 103));
                return (config, null, SentencePieceStd);
            }
            case Preset.MBartTiny:
            {
                File.WriteAllText(Path.Combine(staging, "tokenizer_config.json"),
                    """{ "tokenizer_class": "MBart50Tokenizer", "src_lang": "en_XX", "tgt_lang": "en_XX", "model_max_length": 256 }""");
                var config = Parse(MBartJson(pieces + 1 + MBartLanguageCodes.Fifty.Length + 1));
                return (config, GenerationConfig.FromModelConfig(config), SentencePieceStd);
            }
            default:
            {
                bool flan = preset == Preset.FlanT5Tiny;
                // 100 sentinels after the pieces, the matrix padded to a multiple of 128 as t5-small's 32,128 rows are.
                int vocab = (pieces + 100 + 127) / 128 * 128;
                var config = Parse(T5Json(vocab, flan));
                if (flan)
                {
                    File.WriteAllText(Path.Combine(staging, "tokenizer_config.json"), """{ "tokenizer_class": "T5Tokenizer", "extra_ids": 100, "model_max_length": 512 }""");
                    File.WriteAllText(Path.Combine(staging, "tokenizer.json"), T5TokenizerJson(proto));
                }
                var generation = GenerationConfig.Parse("""{ "decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0 }""", "generation_config.json", config);
                return (config, generation, SentencePieceStd);
            }
        }
    }

    private static ModelConfig Parse(string json) => ModelConfig.Parse(json, "<preset>");

    private static string T5Json(int vocab, bool flan) => $$"""
        {
          "model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "is_encoder_decoder": true,
          "d_model": 64, "d_kv": 16, "d_ff": 128, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4,
          "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128, "vocab_size": {{vocab}},
          "feed_forward_proj": "{{(flan ? "gated-gelu" : "relu")}}", "tie_word_embeddings": {{(flan ? "false" : "true")}},
          "layer_norm_epsilon": 1e-6, "dropout_rate": 0.1, "initializer_factor": 1.0, "n_positions": 512,
          "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
          "task_specific_params": { "summarization": { "prefix": "summarize: " } }
        }
        """;

    private static string PegasusJson(int vocab) => $$"""
        {
          "model_type": "pegasus", "architectures": ["PegasusForConditionalGeneration"], "is_encoder_decoder": true,
          "d_model": 64, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4, "decoder_attention_heads": 4,
          "encoder_ffn_dim": 128, "decoder_ffn_dim": 128, "vocab_size": {{vocab}}, "max_position_embeddings": 256,
          "activation_function": "relu", "scale_embedding": true, "normalize_before": true, "add_final_layer_norm": true,
          "static_position_embeddings": true, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
          "forced_eos_token_id": 1, "num_beams": 4, "length_penalty": 0.8, "max_length": 64, "min_length": 8
        }
        """;

    private static string MBartJson(int vocab) => $$"""
        {
          "model_type": "mbart", "architectures": ["MBartForConditionalGeneration"], "is_encoder_decoder": true,
          "d_model": 64, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4, "decoder_attention_heads": 4,
          "encoder_ffn_dim": 128, "decoder_ffn_dim": 128, "vocab_size": {{vocab}}, "max_position_embeddings": 256,
          "activation_function": "gelu", "scale_embedding": true, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
          "decoder_start_token_id": 2, "forced_eos_token_id": 2
        }
        """;

    /// <summary>A Hugging Face fast-tokenizer file for a T5 spiece.model, in the layout T5TokenizerFast saves.</summary>
    private static string T5TokenizerJson(SentencePieceModelProto proto)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteStartArray("added_tokens");
            void Added(int id, string content)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", content);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            Added(0, "<pad>");
            Added(1, "</s>");
            Added(2, "<unk>");
            for (int i = 99; i >= 0; i--) Added(proto.Pieces.Count + 99 - i, $"<extra_id_{i}>");
            json.WriteEndArray();
            json.WriteStartObject("normalizer");
            json.WriteString("type", "Sequence");
            json.WriteStartArray("normalizers");
            json.WriteStartObject();
            json.WriteString("type", "Precompiled");
            json.WriteString("precompiled_charsmap", Convert.ToBase64String(proto.CharsMap));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            foreach (var stage in new[] { "pre_tokenizer", "decoder" })
            {
                json.WriteStartObject(stage);
                json.WriteString("type", "Metaspace");
                json.WriteString("replacement", "\u2581");
                json.WriteString("prepend_scheme", "always");
                json.WriteBoolean("split", true);
                json.WriteEndObject();
            }
            json.WriteStartObject("model");
            json.WriteString("type", "Unigram");
            json.WriteNumber("unk_id", proto.UnkId);
            json.WriteStartArray("vocab");
            foreach (var (piece, score, _) in proto.Pieces)
            {
                json.WriteStartArray();
                json.WriteStringValue(piece);
                json.WriteNumberValue(score);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteBoolean("byte_fallback", false);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
