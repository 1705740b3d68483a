using System.CommandLine;
using Spectre.Console;
using Summarizer.Model.Bart;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.KvCache;

namespace Summarizer.Cli.Commands;

/// <summary><c>summarizer model init-random|inspect</c>.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Create or inspect model checkpoints.");

        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Directory to write the checkpoint to." };
        var preset = new Option<string>("--preset") { Description = "Model shape: tiny or bart-base.", DefaultValueFactory = _ => "tiny" };
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
            var table = new Table().AddColumns("field", "value");
            table.AddRow("model_type", config.ModelType);
            table.AddRow("d_model", config.DModel.ToString());
            table.AddRow("layers (encoder + decoder)", $"{config.EncoderLayers} + {config.DecoderLayers}");
            table.AddRow("attention heads (encoder / decoder)", $"{config.EncoderAttentionHeads} / {config.DecoderAttentionHeads}");
            table.AddRow("ffn dim (encoder / decoder)", $"{config.EncoderFfnDim} / {config.DecoderFfnDim}");
            table.AddRow("vocab_size", config.VocabSize.ToString());
            table.AddRow("max_position_embeddings (shard limit)", config.MaxPositionEmbeddings.ToString());
            table.AddRow("parameters", BartParameterLayout.ParameterCount(config).ToString("N0"));
            foreach (var dtype in new[] { KvDType.F32, KvDType.F16, KvDType.BF16 })
                table.AddRow($"K/V bytes per source token ({dtype})", KvShard.BytesPerToken(config.DecoderLayers, config.DModel, dtype).ToString("N0"));
            table.AddRow("K/V bytes per full shard (F16)", (KvShard.BytesPerToken(config.DecoderLayers, config.DModel, KvDType.F16) * config.MaxPositionEmbeddings).ToString("N0"));
            AnsiConsole.Write(table);
            return 0;
        });

        command.Subcommands.Add(init);
        command.Subcommands.Add(inspect);
        return command;
    }
}
