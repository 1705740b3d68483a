using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Summarizer.Model.Attention;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Tokenization;

namespace Summarizer.Cli.Commands;

/// <summary><c>summarizer summarize FILE|-</c>: encode a document once into shards and stream its summary.</summary>
internal static class SummarizeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Document to summarize: a text file, - for standard input, or a .jsonl.gz corpus with --record." };
        var model = new Option<DirectoryInfo?>("--model") { Description = "Hugging Face checkpoint directory (default: a tiny random checkpoint created on first use)." };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "Generate at most this many tokens." };
        var beams = new Option<int?>("--beams") { Description = "Beam count (1 = greedy)." };
        var topK = new Option<int?>("--top-k-shards") { Description = "Sparse cross-attention: attend only the k best shards per step (default: all, exact)." };
        var shardLength = new Option<int?>("--shard-length") { Description = "Encoder window length in tokens, BOS/EOS included (default: the model's limit)." };
        var overlap = new Option<int?>("--shard-overlap") { Description = "Tokens shared by neighbouring windows." };
        var record = new Option<string?>("--record") { Description = "With a .jsonl.gz corpus: the id (or 0-based index) of the document to summarize." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of streaming text." };
        var command = new Command("summarize", "Summarize a document, streaming the summary as it is decided.")
        {
            file, model, maxNew, beams, topK, shardLength, overlap, record, json,
        };
        command.SetAction(parse =>
        {
            var text = DocumentInput.Read(parse.GetValue(file)!, parse.GetValue(record));
            var options = new SummaryOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                NumBeams = parse.GetValue(beams),
                CrossAttention = parse.GetValue(topK) is { } k ? CrossAttentionMode.Sparse(k) : CrossAttentionMode.Exact,
            };
            return Run(text, parse.GetValue(model)?.FullName, options, parse.GetValue(shardLength), parse.GetValue(overlap), parse.GetValue(json));
        });
        return command;
    }

    private static int Run(string text, string? modelDir, SummaryOptions options, int? shardLength, int? overlap, bool json)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("The document is empty.");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        modelDir ??= DefaultModel.EnsureCreated(text, console);
        using var model = SummarizationModel.Load(modelDir);
        var sharding = model.DefaultSharding with { ShardLength = shardLength ?? model.DefaultSharding.ShardLength };
        if (overlap is { } o) sharding = sharding with { Overlap = o };

        var ids = model.TokenizeContent(text);
        var total = Stopwatch.StartNew();
        IReadOnlyList<Summarizer.Model.KvCache.KvShard> shards = [];
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask($"Encoding {ids.Count:N0} tokens into shards", maxValue: 1);
            shards = model.EncodeDocument("cli", ids, sharding, progress: (done, all) =>
            {
                task.MaxValue = all;
                task.Value = done;
            });
        });

        var decoder = model.Tokenizer.CreateStreamingDecoder();
        var tokens = new List<int>();
        var decode = Stopwatch.StartNew();
        double? firstTokenMs = null;
        var result = model.Generate(shards, options, decided =>
        {
            firstTokenMs ??= decode.Elapsed.TotalMilliseconds;
            tokens.AddRange(decided);
            if (json) return;
            foreach (var id in decided) Console.Write(decoder.Append(id));
        });
        decode.Stop();
        var summary = model.Tokenizer.Decode(result.GeneratedIds);
        foreach (var s in shards) s.Dispose();

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                summary,
                tokenIds = result.GeneratedIds,
                shardCount = shards.Count,
                encoderRuns = model.Encoder.EncoderRuns,
                timeToFirstTokenMs = Math.Round(firstTokenMs ?? 0, 1),
                tokensPerSecond = Math.Round(result.GeneratedIds.Count / Math.Max(decode.Elapsed.TotalSeconds, 1e-9), 2),
            }, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            Console.Write(decoder.Flush());
            Console.WriteLine();
            console.MarkupLineInterpolated($"[grey]{shards.Count} shards, {model.Encoder.EncoderRuns} encoder runs, {result.GeneratedIds.Count} tokens, first token after {firstTokenMs ?? 0:F0} ms, {result.GeneratedIds.Count / Math.Max(decode.Elapsed.TotalSeconds, 1e-9):F1} tokens/s, {total.Elapsed.TotalSeconds:F1} s in all.[/]");
        }
        return 0;
    }
}
