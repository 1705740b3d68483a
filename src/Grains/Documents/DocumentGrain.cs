using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Placement;
using Summarizer.Grains.KvStore;
using Summarizer.Grains.Resilience;
using Summarizer.Grains.Telemetry;
using Summarizer.Model.Documents;
using Summarizer.Model.KvCache;

namespace Summarizer.Grains.Documents;

/// <summary>
/// The grain of one document (key: tenant/content-hash/model-fingerprint). It tokenizes, shards and encodes the
/// document once, on the silo's inference threads, stores every shard through the <see cref="ShardRepository"/>,
/// and persists the manifest. Calls are not interleaved, so five simultaneous submissions of one document queue
/// behind the first and find it encoded. Placed only on silos whose role can encode (<see cref="EncoderPlacementAttribute"/>).
/// Store outages are waited out for up to the silo's outage limit; a failure's reason names no key or address.
/// Its activation holds only the manifest: the text is read from the store when a repair needs it, and an idle
/// activation is collected after <see cref="IdleMinutes"/>, so a silo's memory does not grow with documents served.
/// </summary>
[EncoderPlacement]
[CollectionAgeLimit(Minutes = IdleMinutes)]
public sealed class DocumentGrain : Grain, IDocumentGrain
{
    private readonly IPersistentState<DocumentState> _state;
    private readonly IPersistentState<DocumentText> _text;
    private readonly ModelHost _models;
    private readonly InferenceScheduler _worker;
    private readonly ShardRepository _shards;
    private readonly SummarizerOptions _options;
    private readonly ILogger<DocumentGrain> _logger;
    private readonly SummarizerMetrics _metrics;
    private EncodingProgress _progress = new(DocumentStatus.New, 0, 0);
    private (DateTime At, RepairOutcome Outcome)? _lastRepair;
    private IGrainTimer? _forgetRepair;
    private bool _textStored;

    /// <summary>Minutes an activation stays without calls before Orleans may collect it (its state stays stored).</summary>
    public const int IdleMinutes = 2;

    private const string Store = "document store";

    // A caller repeats a repair only when its call outlasted the grain-call timeout, and its repeat arrives within one
    // more timeout; so only a repair that long is kept, and only that long.
    private readonly TimeSpan _responseTimeout;

    /// <summary>Created by Orleans.</summary>
    public DocumentGrain([PersistentState("document", StorageNames.Summarizer)] IPersistentState<DocumentState> state,
        [PersistentState("text", StorageNames.Summarizer)] IPersistentState<DocumentText> text,
        ModelHost models, InferenceScheduler worker, ShardRepository shards, IOptions<SummarizerOptions> options, ILogger<DocumentGrain> logger,
        SummarizerMetrics metrics, IOptions<Orleans.Configuration.SiloMessagingOptions> messaging)
    {
        _metrics = metrics;
        _responseTimeout = messaging.Value.ResponseTimeout;
        _state = state;
        _text = text;
        _models = models;
        _worker = worker;
        _shards = shards;
        _options = options.Value;
        _logger = logger;
    }

    private string Key => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Orleans read the text with the state; only a repair needs it again, and it reads it then.
        _textStored = _text.State.Text is not null;
        _text.State.Text = null;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<EncodingProgress> GetProgressAsync() =>
        Task.FromResult(_state.State.Manifest.Status == DocumentStatus.Encoded
            ? new EncodingProgress(DocumentStatus.Encoded, _state.State.Manifest.ShardCount, _state.State.Manifest.ShardCount)
            : _progress);

    /// <inheritdoc />
    public Task<DocumentManifest> GetManifestAsync() => Task.FromResult(_state.State.Manifest);

    /// <inheritdoc />
    public async Task<EncodeOutcome> EnsureEncodedAsync(DocumentSource source)
    {
        var manifest = _state.State.Manifest;
        if (manifest.Status == DocumentStatus.Encoded) return new EncodeOutcome(manifest, 0, GrainContext.Address.SiloAddress);

        var (text, hash) = await TextIdentity.ComputeAsync(source.Text);
        if (hash != DocumentKey.Parse(Key).ContentHash)
            throw new ArgumentException("The text does not hash to this document.", nameof(source));

        var model = await _models.GetAsync();
        var sharding = ShardingPolicy.Resolve(source.ShardLength, source.ShardOverlap, _options, model);

        var ids = await _worker.RunAsync(_ => model.TokenizeContent(text));
        if (ids.Count > _options.MaxDocumentTokens)
            return new EncodeOutcome(await FailAsync(text, $"The document is {ids.Count:N0} tokens long; the limit is {_options.MaxDocumentTokens:N0} tokens (Summarizer:MaxDocumentTokens)."), 0);
        if (ShardingPolicy.CheckCount(ids.Count, sharding, _options.MaxShardsPerDocument, model.Template) is { } tooMany)
            return new EncodeOutcome(await FailAsync(text, tooMany.Reason), 0);

        var windows = model.PlanShards(ids.Count, sharding);
        await KeepTextAsync(text);
        _state.State.Manifest = manifest with
        {
            DocumentKey = Key,
            ModelFingerprint = model.Fingerprint,
            Status = DocumentStatus.Encoding,
            SourceTokens = ids.Count,
            ShardLength = sharding.ShardLength,
            ShardOverlap = sharding.Overlap,
            Format = _options.ShardFormat,
        };
        await WriteAsync();

        try
        {
            var descriptors = await EncodeAsync(ids, windows, repair: false);
            _state.State.Manifest = _state.State.Manifest with
            {
                Status = DocumentStatus.Encoded,
                Shards = descriptors,
                EncoderRuns = _state.State.Manifest.EncoderRuns + windows.Count,
                Error = null,
            };
            await WriteAsync();
            _logger.LogInformation("Encoded document {Document}: {Tokens} tokens in {Shards} shards.", Key, ids.Count, windows.Count);
            return new EncodeOutcome(_state.State.Manifest, windows.Count, GrainContext.Address.SiloAddress);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new EncodeOutcome(await FailAsync(text, "Encoding failed: " + UserFacingError.Describe(e, _logger, $"Encoding document {Key}")), 0);
        }
    }

    /// <inheritdoc />
    public async Task<RepairOutcome> RepairAsync(IReadOnlyList<int> missingShards)
    {
        // A caller whose call outlasted the grain-call timeout asks again; the repeat, queued behind the repair it
        // follows, gets that repair's shards instead of re-encoding them.
        if (_lastRepair is { } last && DateTime.UtcNow - last.At < 2 * _responseTimeout && missingShards.All(last.Outcome.Indices.Contains))
            return last.Outcome;
        var manifest = _state.State.Manifest;
        var text = manifest.Status == DocumentStatus.Encoded ? await ReadTextAsync() : null;
        if (text is null) throw new InvalidOperationException($"Document {Key} is not encoded; it cannot be repaired.");
        var model = await _models.GetAsync();
        var started = DateTime.UtcNow;
        var ids = await _worker.RunAsync(_ => model.TokenizeContent(text));
        var windows = model.PlanShards(ids.Count, new ShardingOptions(manifest.ShardLength, manifest.ShardOverlap));
        var lost = missingShards.Distinct().Order().Select(i => windows[i]).ToArray();
        _logger.LogWarning("Re-encoding {Count} lost shards of document {Document} (evicted with no durable store, or corrupt).", lost.Length, Key);
        var blobs = new List<byte[]>();
        var descriptors = await EncodeAsync(ids, lost, repair: true, shards => blobs.AddRange(shards.Select(s => KvShardSerializer.Serialize(s.Kv))));
        var merged = manifest.Shards.ToDictionary(s => s.Index);
        foreach (var d in descriptors) merged[d.Index] = d;
        _state.State.Manifest = manifest with { Shards = merged.Values.OrderBy(s => s.Index).ToArray(), EncoderRuns = manifest.EncoderRuns + lost.Length };
        await WriteAsync();
        var outcome = new RepairOutcome(_state.State.Manifest, lost.Length, lost.Select(w => w.Index).ToArray(), blobs);
        // The outcome holds every re-encoded shard serialized: kept by every activation for minutes, it grew the GC
        // heap to gigabytes in a load test under a small K/V budget. So it is kept only when its caller may repeat the
        // call (the repair took half a grain-call timeout or more), and dropped once a repeat could no longer come.
        _forgetRepair?.Dispose();
        _forgetRepair = null;
        _lastRepair = null;
        if (DateTime.UtcNow - started < _responseTimeout / 2) return outcome;
        _lastRepair = (DateTime.UtcNow, outcome);
        _forgetRepair = this.RegisterGrainTimer(_ =>
        {
            _lastRepair = null;
            _forgetRepair?.Dispose();
            _forgetRepair = null;
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(2 * _responseTimeout, Timeout.InfiniteTimeSpan) { KeepAlive = false, Interleave = true });
        return outcome;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<byte[]?>> ExportShardsAsync(IReadOnlyList<int> indices) =>
        await _shards.ExportAsync(Key, indices);

    /// <summary>
    /// Encodes <paramref name="toEncode"/> batch by batch and stores the shards; <paramref name="onEncoded"/> sees each
    /// batch on the inference thread before the store takes it.
    /// </summary>
    private async Task<ShardDescriptor[]> EncodeAsync(IReadOnlyList<int> ids, IReadOnlyList<ShardWindow> toEncode, bool repair,
        Action<IReadOnlyList<(KvShard Kv, HiddenShard? Hidden)>>? onEncoded = null)
    {
        using var span = SummarizerActivities.StartEncode(toEncode.Count, ids.Count, repair); // telemetry
        var model = await _models.GetAsync();
        var dtype = _options.KvDType;
        var descriptors = new List<ShardDescriptor>();
        _progress = new EncodingProgress(DocumentStatus.Encoding, 0, toEncode.Count);
        int batch = model.Encoder.BatchSize;
        for (int first = 0; first < toEncode.Count; first += batch)
        {
            var windows = toEncode.Skip(first).Take(batch).ToArray();
            using var batchSpan = SummarizerActivities.StartEncoderBatch(windows.Length, windows.Sum(w => w.InputLength)); // telemetry
            long started = System.Diagnostics.Stopwatch.GetTimestamp(); // telemetry
            // One batch per work item: progress is reported between batches and other jobs' steps interleave.
            bool hidden = _options.ShardFormat == ShardFormat.Hidden;
            var shards = await _worker.RunAsync(ct =>
            {
                var encoded = model.Encoder.Encode(Key, ids, windows, dtype, hidden, cancellationToken: ct);
                onEncoded?.Invoke(encoded);
                return encoded;
            });
            _metrics.EncoderBatch(windows.Length, System.Diagnostics.Stopwatch.GetElapsedTime(started), repair); // telemetry
            var sizes = await _shards.StoreAsync(shards.Select(s => (ShardKey.For(Key, s.Kv.Index), s.Kv, s.Hidden)).ToArray());
            descriptors.AddRange(shards.Select((s, i) => new ShardDescriptor(s.Kv.Index, s.Kv.TokenStart, s.Kv.TokenEnd, sizes[i])));
            _progress = _progress with { ShardsDone = descriptors.Count };
        }
        return descriptors.ToArray();
    }

    private async Task<DocumentManifest> FailAsync(string text, string reason)
    {
        await KeepTextAsync(text);
        _state.State.Manifest = _state.State.Manifest with { DocumentKey = Key, Status = DocumentStatus.Failed, Error = reason };
        _progress = new EncodingProgress(DocumentStatus.Failed, 0, 0);
        await WriteAsync();
        // A failed document may be retried by a later request (e.g. after raising a limit): forget the failure.
        _state.State.Manifest = _state.State.Manifest with { Status = DocumentStatus.New };
        return _state.State.Manifest with { Status = DocumentStatus.Failed };
    }

    private Task WriteAsync() => StoreCalls.WriteAsync(_state, Store, _options.OutageLimit, _logger);

    /// <summary>
    /// Stores the text unless it is stored already (the same text always hashes to this grain's key), and lets go of
    /// it: an activation kept for minutes per document would otherwise hold every text the silo has encoded.
    /// </summary>
    private async Task KeepTextAsync(string text)
    {
        if (_textStored) return;
        _text.State.Text = text;
        try { await StoreCalls.WriteAsync(_text, Store, _options.OutageLimit, _logger); }
        finally { _text.State.Text = null; }
        _textStored = true;
    }

    /// <summary>The stored text, read for this one use and not kept.</summary>
    private async Task<string?> ReadTextAsync()
    {
        await StoreCalls.RunAsync(Store, () => _text.ReadStateAsync(), _options.OutageLimit, _logger);
        var text = _text.State.Text;
        _text.State.Text = null;
        return text;
    }
}
