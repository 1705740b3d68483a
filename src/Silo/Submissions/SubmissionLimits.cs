using System.Globalization;
using System.Text;
using Summarizer.Contracts;
using Summarizer.Grains.Documents;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Summaries;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;

namespace Summarizer.Silo.Submissions;

/// <summary>
/// Checks a submission against the options' ranges and, once the model has loaded, against the model's limits
/// (positions of the decoder, shard windows) and the silo's bounds (<c>MaxDocumentTokens</c>,
/// <c>MaxShardsPerDocument</c>), so a request that could only fail is refused before anything is recorded. The same
/// checks run again in the grains for submissions that come another way; there a violation fails the job.
/// </summary>
internal static class SubmissionLimits
{
    /// <summary>The problem that refuses <paramref name="submission"/>, or null when it may be accepted.</summary>
    public static async Task<IResult?> CheckAsync(Submission submission, ModelHost models, SummarizerOptions settings)
    {
        var options = submission.Options;
        SummarizationModel? model = null;
        ShardingOptions? sharding = null;
        try
        {
            var mapped = RequestOptionsMapper.ToModel(options);
            if (models.IsLoaded)
            {
                model = await models.GetAsync();
                model.ResolveSettings(mapped);
                sharding = ShardingPolicy.Resolve(options.ShardLength, options.ShardOverlap, settings, model);
            }
        }
        catch (ArgumentException e) { return Problems.InvalidOption(OptionName(e), Detail(e)); }

        // The normalized text is what the document grain tokenizes. A byte-level BPE token covers at least one UTF-8
        // byte, so the byte count bounds the token count: a document within both limits by bytes is not tokenized here.
        var normalized = DocumentKeys.Normalize(submission.Text);
        long bytes = Encoding.UTF8.GetByteCount(normalized);
        if (bytes <= settings.MaxDocumentTokens && (sharding is null || ShardingPolicy.CheckCount(bytes, sharding, settings.MaxShardsPerDocument, model?.Template) is null))
            return null;
        if (model is null)
        {
            // Without a loaded model nothing more is decided here: the job fails with the model's reason.
            try { model = await models.GetAsync(); }
            catch (Exception e) when (e is not OperationCanceledException) { return null; }
            try { sharding = ShardingPolicy.Resolve(options.ShardLength, options.ShardOverlap, settings, model); }
            catch (ArgumentException e) { return Problems.InvalidOption(OptionName(e), Detail(e)); }
        }
        int tokens = model.TokenizeContent(normalized).Count;
        if (tokens > settings.MaxDocumentTokens)
        {
            int limit = settings.MaxDocumentTokens;
            return Problems.Of(StatusCodes.Status413PayloadTooLarge, "Document too long",
                string.Create(CultureInfo.InvariantCulture, $"The document is {tokens} tokens long; the limit is {limit} tokens (Summarizer:MaxDocumentTokens)."),
                "text", new Dictionary<string, object?> { ["limit"] = limit, ["tokens"] = tokens, ["setting"] = "Summarizer:MaxDocumentTokens" });
        }
        if (ShardingPolicy.CheckCount(tokens, sharding!, settings.MaxShardsPerDocument, model.Template) is { } tooMany)
        {
            // The request's own shard options made the count: a bad request. The document's length alone: too large.
            bool chosen = options.ShardLength is not null || options.ShardOverlap is not null;
            var extensions = new Dictionary<string, object?>
            {
                ["limit"] = tooMany.Limit, ["shards"] = tooMany.Shards, ["setting"] = ShardingPolicy.MaxShardsSetting,
            };
            if (chosen) extensions["option"] = "shardLength";
            return Problems.Of(chosen ? StatusCodes.Status400BadRequest : StatusCodes.Status413PayloadTooLarge, "Too many shards",
                tooMany.Reason, chosen ? "options.shardLength" : "text", extensions);
        }
        return null;
    }

    /// <summary>
    /// The option an <see cref="ArgumentException"/> is about: its ParamName, else the "(Parameter 'x')" suffix its
    /// message carries, which survives serialization across the Orleans boundary when ParamName may not.
    /// </summary>
    public static string? OptionName(ArgumentException e)
    {
        if (!string.IsNullOrEmpty(e.ParamName)) return e.ParamName;
        var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"\(Parameter '([^']+)'\)");
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The exception's message without the "(Parameter 'x')" suffix .NET appends.</summary>
    public static string Detail(ArgumentException e)
    {
        int cut = e.Message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return cut > 0 ? e.Message[..cut] : e.Message;
    }
}
