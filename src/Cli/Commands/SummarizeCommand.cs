using System.CommandLine;
using Spectre.Console;
using Summarizer.Cli.Backends;
using Summarizer.Cli.Output;
using Summarizer.Contracts;

namespace Summarizer.Cli.Commands;

/// <summary>
/// <c>summarizer summarize FILE|-</c>: submit a document to a silo (one started in this process, or a running one
/// named by <c>--gateway</c>) and stream its summary.
/// </summary>
internal static class SummarizeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Document to summarize: a UTF-8 text file, - for standard input, or a .jsonl.gz corpus with --record." };
        var model = new Option<DirectoryInfo?>("--model") { Description = "Hugging Face checkpoint directory for the embedded silo (default: a tiny random checkpoint created on first use)." };
        var gateway = new Option<string?>("--gateway") { Description = "URL of a running silo's HTTP API (for example http://127.0.0.1:8080); no silo is started in this process." };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = "Generate at most this many tokens." }.AtLeast(1);
        var beams = new Option<int?>("--beams") { Description = "Beam count (1 = greedy)." }.AtLeast(1);
        var topK = new Option<int?>("--top-k-shards") { Description = "Sparse cross-attention: attend only the k best shards per step (default: all, exact)." }.AtLeast(1);
        var shardLength = new Option<int?>("--shard-length") { Description = "Encoder window length in tokens, BOS/EOS included (default: the model's limit)." }.AtLeast(3);
        var overlap = new Option<int?>("--shard-overlap") { Description = "Tokens shared by neighbouring windows." }.AtLeast(0);
        var record = new Option<string?>("--record") { Description = "With a .jsonl.gz corpus: the id (or 0-based index) of the document to summarize." };
        var json = new Option<bool>("--json") { Description = "Print only one JSON object on stdout: summary, tokenIds, shardCount, encoderRuns, timeToFirstTokenMs, tokensPerSecond." };
        var command = new Command("summarize", "Summarize a document, streaming the summary as it is decided.")
        {
            file, model, gateway, maxNew, beams, topK, shardLength, overlap, record, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Read and check the input before starting anything, so bad input fails fast.
            var text = DocumentInput.Read(parse.GetValue(file)!, parse.GetValue(record));
            var options = new SummaryRequestOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                Beams = parse.GetValue(beams),
                TopKShards = parse.GetValue(topK),
                ShardLength = parse.GetValue(shardLength),
                ShardOverlap = parse.GetValue(overlap),
            };
            var status = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            // Redirected stderr (a log file, a test) has no width; don't wrap messages at Spectre's default 80 columns.
            if (Console.IsErrorRedirected) status.Profile.Width = 1000;
            try
            {
                await using var backend = await OpenAsync(parse.GetValue(gateway), parse.GetValue(model), text, options, status, cancellationToken);
                var renderer = new SummaryRenderer(status, Console.Out, parse.GetValue(json));
                return await renderer.RenderAsync(backend.SummarizeAsync(text, options, cancellationToken), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                CliInvocation.Error("Cancelled.");
                return 130;
            }
        });
        return command;
    }

    private static async Task<ISummaryBackend> OpenAsync(string? gateway, DirectoryInfo? model, string text, SummaryRequestOptions options,
        IAnsiConsole status, CancellationToken cancellationToken)
    {
        if (gateway is not null)
        {
            // The gateway's silo loads its own model (from its configuration), never one named by a client.
            if (model is not null) throw new CliException("--model applies to the embedded silo only; a --gateway silo uses the model it was configured with.");
            return GatewayBackend.Create(gateway);
        }
        string modelDir;
        if (model is null)
        {
            modelDir = DefaultModel.EnsureCreated(text, status);
        }
        else
        {
            if (!model.Exists) throw new CliException($"--model directory {model.FullName} does not exist.");
            if (!File.Exists(Path.Combine(model.FullName, "config.json")))
                throw new CliException($"--model directory {model.FullName} has no config.json; expected a Hugging Face checkpoint directory.");
            modelDir = model.FullName;
        }
        return await EmbeddedSilo.StartAsync(modelDir, options.ShardLength, options.ShardOverlap, cancellationToken);
    }
}
