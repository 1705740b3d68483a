using System.Security.Cryptography;
using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Pipeline;

/// <summary>
/// A checkpoint directory loaded for summarization: config, generation defaults, tokenizer, network and the
/// fingerprint that ties K/V shards to these exact weights. It runs the data path in this process:
/// text → tokens → shard windows → encoder (once per shard) → K/V shards → sharded cross-attention → search.
/// Not thread-safe: callers serialise work on it (the grains use one inference worker per silo).
/// </summary>
public sealed class SummarizationModel : IDisposable
{
    private SummarizationModel(string directory, ModelConfig config, GenerationConfig generation, BartTokenizer tokenizer, BartModel network, string fingerprint)
    {
        Directory = directory;
        Config = config;
        Generation = generation;
        Tokenizer = tokenizer;
        Network = network;
        Fingerprint = fingerprint;
        Encoder = new ShardEncoder(network, fingerprint);
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The model's <c>config.json</c>.</summary>
    public ModelConfig Config { get; }

    /// <summary>Generation defaults (<c>generation_config.json</c>, else legacy fields of <c>config.json</c>).</summary>
    public GenerationConfig Generation { get; }

    /// <summary>The checkpoint's tokenizer.</summary>
    public BartTokenizer Tokenizer { get; }

    /// <summary>The network.</summary>
    public BartModel Network { get; }

    /// <summary>Encoder and K/V projection, counting encoder runs.</summary>
    public ShardEncoder Encoder { get; }

    /// <summary>SHA-256 (hex, 32 chars) of config.json and every weight: shards from other weights never mix in.</summary>
    public string Fingerprint { get; }

    /// <summary>
    /// Loads a Hugging Face checkpoint directory. Every unusable input throws an error naming the file and the
    /// field or tensor at fault.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="device"><c>cpu</c>, or <c>cuda</c>/<c>cuda:N</c> for a GPU (needs a CUDA build of libtorch).</param>
    public static SummarizationModel Load(string directory, string device = "cpu")
    {
        var target = ResolveDevice(device);
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException(directory, null, "Model directory does not exist.");
        var configPath = Path.Combine(directory, "config.json");
        var config = ModelConfig.Load(configPath);
        var generation = GenerationConfig.Load(directory, config);
        var tokenizer = BartTokenizer.Load(directory);
        using var weights = CheckpointWeights.Open(directory);
        var network = new BartModel(new CheckpointWeightSource(weights), config, target);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(configPath));
        hash.AppendData(weights.ComputeContentHash());
        var fingerprint = Convert.ToHexString(hash.GetHashAndReset())[..32].ToLowerInvariant();
        return new SummarizationModel(directory, config, generation, tokenizer, network, fingerprint);
    }

    /// <summary>Default sharding: windows as long as the encoder allows, with a small overlap for context at cuts.</summary>
    public ShardingOptions DefaultSharding => new(Config.MaxPositionEmbeddings, Math.Min(64, (Config.MaxPositionEmbeddings - 2) / 8));

    /// <summary>The document's tokens without BOS/EOS, as the sharder cuts them.</summary>
    public IReadOnlyList<int> TokenizeContent(string text) => Tokenizer.Encode(text, addSpecialTokens: false);

    /// <summary>Tokenizes, shards and encodes a document, once per shard.</summary>
    public IReadOnlyList<KvShard> EncodeDocument(string documentId, IReadOnlyList<int> contentIds, ShardingOptions sharding,
        KvDType dtype = KvDType.F32, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        sharding.Validate(Config.MaxPositionEmbeddings);
        var windows = DocumentSharder.Plan(contentIds.Count, sharding);
        return Encoder.Encode(documentId, contentIds, windows, dtype, progress, cancellationToken);
    }

    /// <summary>The checkpoint's generation defaults with <paramref name="options"/> applied on top.</summary>
    public GenerationSettings ResolveSettings(SummaryOptions options)
    {
        options.Validate();
        var g = Generation;
        int maxLength = options.MaxNewTokens is { } maxNew ? maxNew + 1 : g.MaxLength;
        if (maxLength > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"maxNewTokens {maxLength - 1} exceeds what the decoder can position: at most {Config.MaxPositionEmbeddings - 1} tokens for this model (max_position_embeddings {Config.MaxPositionEmbeddings}).", "maxNewTokens");
        int minLength = options.MinNewTokens is { } minNew ? minNew + 1 : Math.Min(g.MinLength, maxLength);
        var settings = new GenerationSettings
        {
            MaxLength = maxLength,
            MinLength = minLength,
            NumBeams = options.NumBeams ?? g.NumBeams,
            LengthPenalty = options.LengthPenalty ?? g.LengthPenalty,
            NoRepeatNgramSize = options.NoRepeatNgramSize ?? g.NoRepeatNgramSize,
            EarlyStopping = g.EarlyStopping,
            DecoderStartTokenId = g.DecoderStartTokenId,
            // Multiple EOS ids (a list in generation_config.json) are rare for this family; the first one ends a sequence.
            EosTokenId = g.EosTokenIds.Count > 0 ? g.EosTokenIds[0] : Config.EosTokenId,
            PadTokenId = g.PadTokenId ?? Config.PadTokenId,
            ForcedBosTokenId = g.ForcedBosTokenId,
            ForcedEosTokenId = g.ForcedEosTokenId,
        };
        settings.Validate(Config.VocabSize);
        return settings;
    }

    /// <summary>
    /// Generates a summary over <paramref name="shards"/>; <paramref name="onDecided"/> gets token ids as soon as
    /// the search will never revise them. With <paramref name="published"/> (a resumed job's tokens) the search
    /// continues after them: one pass over them rebuilds the decoder's cache and only later tokens reach
    /// <paramref name="onDecided"/>; the result holds them all.
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<KvShard> shards, SummaryOptions options,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default, IReadOnlyList<int>? published = null)
    {
        using var memory = new ShardedCrossAttention(shards, options.CrossAttention, Network.Device);
        return Generate(memory, options, onDecided, cancellationToken, published);
    }

    /// <summary>
    /// Generates against any cross-attention memory (for example shards spread over silos), one job on the calling
    /// thread; many jobs at once go through the iteration engine (<c>Scheduling/IterationEngine</c>) instead.
    /// </summary>
    public GenerationResult Generate(ICrossAttentionMemory memory, SummaryOptions options,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default, IReadOnlyList<int>? published = null)
    {
        var settings = ResolveSettings(options);
        using var target = new LocalDecodeTarget(Network, memory);
        return DecodeSearch.Run(DecodeSearch.Create(settings, Network.VocabSize, published), target, onDecided, cancellationToken);
    }

    private static TorchSharp.torch.Device ResolveDevice(string device)
    {
        var name = device.Trim().ToLowerInvariant();
        if (name == "cpu") return TorchSharp.torch.CPU;
        if (!name.StartsWith("cuda", StringComparison.Ordinal))
            throw new ArgumentException($"Unknown device '{device}'; expected cpu, cuda or cuda:N.", nameof(device));
        if (!TorchSharp.torch.cuda.is_available())
            throw new InvalidOperationException($"Device '{device}' was requested but CUDA is not available: this build uses the CPU libtorch (build with -p:TorchBackend=cuda on a GPU image), or no GPU is visible.");
        return new TorchSharp.torch.Device(name);
    }

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}
