using System.CommandLine;
using Spectre.Console;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.KvCache;
using Summarizer.Model.Network;
using Summarizer.Model.Tokenization;

namespace Summarizer.Cli.Commands;

/// <summary><c>summarizer model init-random|inspect</c>.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Create or inspect model checkpoints.");

        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Directory to write the checkpoint to." };
        var preset = new Option<string>("--preset") { Description = "Model family and shape: " + string.Join(", ", RandomCheckpoint.PresetNames) + ".", DefaultValueFactory = _ => "tiny" };
        var seed = new Option<int>("--seed") { Description = "Seed for weights and tokenizer training.", DefaultValueFactory = _ => 1 };
        var corpus = new Option<FileInfo?>("--corpus") { Description = "Text or .jsonl.gz corpus to train the tokenizer on (default: ../shared/data/long-docs)." };
        var init = new Command("init-random", "Write a deterministic random checkpoint in Hugging Face layout (demonstrates the pipeline, not summaries).")
        {
            dir, preset, seed, corpus,
        };
        init.SetAction(parse =>
        {
            var target = parse.GetValue(dir)!.FullName;
            var shape = RandomCheckpoint.ParsePreset(parse.GetValue(preset)!);
            RandomCheckpoint.Write(target, shape, parse.GetValue(seed), CorpusLocator.Texts(parse.GetValue(corpus)));
            AnsiConsole.MarkupLineInterpolated($"Wrote a random [bold]{shape}[/] checkpoint to {target}. Random weights show the pipeline, not real summaries.");
            return 0;
        });

        var inspectDir = new Argument<DirectoryInfo>("DIR") { Description = "A Hugging Face checkpoint directory." };
        var inspect = new Command("inspect", "Show a checkpoint's config, parameter count and K/V bytes per source token.") { inspectDir };
        inspect.SetAction(parse =>
        {
            var path = parse.GetValue(inspectDir)!.FullName;
            var config = ModelConfig.Load(Path.Combine(path, "config.json"));
            string tokenizer;
            try
            {
                var loaded = TokenizerLoader.Load(path, config);
                tokenizer = $"{loaded.Kind} ({loaded.VocabSize:N0} ids)";
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                tokenizer = "unusable: " + e.Message;
            }
            bool t5 = config.Network == NetworkArchitecture.T5;
            int kvWidth = config.DecoderAttentionHeads * config.DecoderHeadDim;
            var table = new Table().AddColumns("field", "value");
            table.AddRow("family", $"{config.ModelType} ({config.Network} network)");
            table.AddRow("tokenizer", Markup.Escape(tokenizer));
            table.AddRow("d_model", config.DModel.ToString());
            table.AddRow("layers (encoder + decoder)", $"{config.EncoderLayers} + {config.DecoderLayers}");
            table.AddRow("attention heads × head dim", $"{config.EncoderAttentionHeads} / {config.DecoderAttentionHeads} × {config.DecoderHeadDim}");
            table.AddRow("ffn dim (encoder / decoder)", $"{config.EncoderFfnDim} / {config.DecoderFfnDim}{(config.IsGatedActivation ? " (gated)" : "")}");
            table.AddRow("vocab_size", config.VocabSize.ToString());
            table.AddRow("positions", t5 ? $"relative ({config.RelativeAttentionNumBuckets} buckets, max distance {config.RelativeAttentionMaxDistance}); no limit" : $"{config.MaxPositionEmbeddings} (max_position_embeddings)");
            table.AddRow("shard length (default / limit)", $"{config.DefaultShardLength} / {config.ShardLengthLimit}");
            if (config.SummarizationPrefix is { } prefix) table.AddRow("summarization prefix", Markup.Escape($"\"{prefix}\""));
            table.AddRow("parameters", EncoderDecoderNetworks.ParameterCount(config).ToString("N0"));
            foreach (var dtype in new[] { KvDType.F32, KvDType.F16, KvDType.BF16 })
                table.AddRow($"K/V bytes per source token ({dtype})", KvShard.BytesPerToken(config.DecoderLayers, kvWidth, dtype).ToString("N0"));
            table.AddRow("K/V bytes per default shard (F16)", (KvShard.BytesPerToken(config.DecoderLayers, kvWidth, KvDType.F16) * config.DefaultShardLength).ToString("N0"));
            AnsiConsole.Write(table);
            return 0;
        });

        command.Subcommands.Add(init);
        command.Subcommands.Add(inspect);
        return command;
    }
}
