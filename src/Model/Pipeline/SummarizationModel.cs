using System.Security.Cryptography;
using Summarizer.Model.Attention;
using Summarizer.Model.Attribution;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Network;
using Summarizer.Model.Tokenization;
using Summarizer.Model.Tokenization.SentencePiece;

namespace Summarizer.Model.Pipeline;

/// <summary>
/// A checkpoint directory loaded for summarization: config, generation defaults, tokenizer, network and the
/// fingerprint that ties K/V shards to these exact weights. It runs the data path in this process:
/// text → tokens → shard windows → encoder (once per shard) → K/V shards → sharded cross-attention → search.
/// Not thread-safe: callers serialise work on it (the grains use one inference worker per silo).
/// </summary>
public sealed class SummarizationModel : IDisposable
{
    private SummarizationModel(string directory, ModelConfig config, GenerationConfig generation, ITextTokenizer tokenizer, IEncoderDecoderNetwork network, string fingerprint)
    {
        Directory = directory;
        Config = config;
        Generation = generation;
        Tokenizer = tokenizer;
        Network = network;
        Fingerprint = fingerprint;
        Template = EncoderTemplate(config, tokenizer);
        Encoder = new ShardEncoder(network, fingerprint, Template);
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The model's <c>config.json</c>.</summary>
    public ModelConfig Config { get; }

    /// <summary>Generation defaults (<c>generation_config.json</c>, else legacy fields of <c>config.json</c>).</summary>
    public GenerationConfig Generation { get; }

    /// <summary>The checkpoint's tokenizer.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>The network (BART family or T5 family, as <c>model_type</c> says).</summary>
    public IEncoderDecoderNetwork Network { get; }

    /// <summary>What every encoder window carries around its content: the tokenizer's specials and the task prefix.</summary>
    public InputTemplate Template { get; }

    /// <summary>Encoder and K/V projection, counting encoder runs.</summary>
    public ShardEncoder Encoder { get; }

    /// <summary>SHA-256 (hex, 32 chars) of config.json and every weight: shards from other weights never mix in.</summary>
    public string Fingerprint { get; }

    /// <summary>The memories of documents being decoded with this model, shared by the jobs decoding each at once.</summary>
    public SharedMemories Memories { get; } = new();

    /// <summary>
    /// Loads a Hugging Face checkpoint directory. Every unusable input throws an error naming the file and the
    /// field or tensor at fault.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="device"><c>cpu</c>, or <c>cuda</c>/<c>cuda:N</c> for a GPU (needs a CUDA build of libtorch).</param>
    /// <param name="tokenizerOptions">mBART's source and target languages; null keeps the checkpoint's.</param>
    public static SummarizationModel Load(string directory, string device = "cpu", TokenizerOptions? tokenizerOptions = null)
    {
        var target = ResolveDevice(device);
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException(directory, null, "Model directory does not exist.");
        var configPath = Path.Combine(directory, "config.json");
        var config = ModelConfig.Load(configPath);
        var generation = GenerationConfig.Load(directory, config);
        var tokenizer = CheckVocabulary(TokenizerLoader.Load(directory, config, tokenizerOptions), config);
        using var weights = CheckpointWeights.Open(directory);
        var network = EncoderDecoderNetworks.Create(new CheckpointWeightSource(weights), config, target);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(configPath));
        hash.AppendData(weights.ComputeContentHash());
        // K/V depend on the encoder's input template too (mBART's source language, T5's task prefix).
        if (tokenizer.Kind != TokenizerKind.ByteLevelBpe)
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(string.Join(',', EncoderTemplate(config, tokenizer).Apply([]))));
        var fingerprint = Convert.ToHexString(hash.GetHashAndReset())[..32].ToLowerInvariant();
        return new SummarizationModel(directory, config, generation, tokenizer, network, fingerprint);
    }

    /// <summary>Default sharding: windows as long as the encoder allows (512 for T5), with a small overlap for context at cuts.</summary>
    public ShardingOptions DefaultSharding =>
        new(Config.DefaultShardLength, Math.Min(64, (Config.DefaultShardLength - Template.Overhead) / 8));

    /// <summary>Throws an <see cref="ArgumentException"/> naming the sharding option this model cannot take.</summary>
    public void ValidateSharding(ShardingOptions sharding) => sharding.Validate(Config.ShardLengthLimit, Template.Overhead);

    /// <summary>The encoder windows of a document of <paramref name="contentTokens"/> tokens.</summary>
    public IReadOnlyList<ShardWindow> PlanShards(int contentTokens, ShardingOptions sharding) =>
        DocumentSharder.Plan(contentTokens, sharding, Template);

    /// <summary>The document's tokens without the template, as the sharder cuts them.</summary>
    public IReadOnlyList<int> TokenizeContent(string text) => Tokenizer.Encode(text, addSpecialTokens: false);

    /// <summary>Tokenizes, shards and encodes a document, once per shard.</summary>
    public IReadOnlyList<KvShard> EncodeDocument(string documentId, IReadOnlyList<int> contentIds, ShardingOptions sharding,
        KvDType dtype = KvDType.F32, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateSharding(sharding);
        return Encoder.Encode(documentId, contentIds, PlanShards(contentIds.Count, sharding), dtype, progress, cancellationToken);
    }

    /// <summary>
    /// The checkpoint's generation defaults with <paramref name="options"/> applied on top, resolved as HF's
    /// <c>generate()</c> resolves them: <c>max_new_tokens</c> (the request's, else the file's) wins over
    /// <c>max_length</c>; an untouched <c>max_length</c> of 20 means 20 new tokens (capped by the position table);
    /// lengths count the decoder start token.
    /// </summary>
    public GenerationSettings ResolveSettings(SummaryOptions options)
    {
        options.Validate();
        var g = Generation;
        int maxLength = (options.MaxNewTokens ?? g.MaxNewTokens) is { } maxNew
            ? maxNew + 1
            : g.MaxLength == DefaultMaxLength ? Math.Min(DefaultMaxLength + 1, Config.DecoderPositionLimit ?? int.MaxValue) : g.MaxLength;
        // The last token is never fed back, so max_length - 1 decoder positions suffice.
        if (Config.DecoderPositionLimit is { } positions && maxLength - 1 > positions)
            throw new ArgumentException($"maxNewTokens {maxLength - 1} exceeds what the decoder can position: at most {positions} tokens for this model (max_position_embeddings {positions}).", "maxNewTokens");
        int minLength = (options.MinNewTokens ?? g.MinNewTokens) is { } minNew ? minNew + 1 : g.MinLength;
        var settings = new GenerationSettings
        {
            MaxLength = maxLength,
            MinLength = Math.Min(minLength, maxLength),
            NumBeams = options.NumBeams ?? g.NumBeams,
            LengthPenalty = options.LengthPenalty ?? g.LengthPenalty,
            NoRepeatNgramSize = options.NoRepeatNgramSize ?? g.NoRepeatNgramSize,
            EarlyStopping = g.EarlyStopping,
            DecoderStartTokenId = g.DecoderStartTokenId,
            EosTokenIds = g.EosTokenIds,
            PadTokenId = g.PadTokenId ?? Config.PadTokenId,
            ForcedBosTokenId = Tokenizer.ForcedBosTokenId ?? g.ForcedBosTokenId,
            ForcedEosTokenIds = g.ForcedEosTokenIds,
        };
        settings.Validate(Config.VocabSize);
        return settings;
    }

    /// <summary>GenerationConfig's default <c>max_length</c>, which HF reads as "20 new tokens".</summary>
    private const int DefaultMaxLength = 20;

    /// <summary>
    /// Generates a summary over <paramref name="shards"/>; <paramref name="onDecided"/> gets token ids as soon as
    /// the search will never revise them. With <paramref name="published"/> (a resumed job's tokens) the search
    /// continues after them: one pass over them rebuilds the decoder's cache and only later tokens reach
    /// <paramref name="onDecided"/>; the result holds them all.
    /// </summary>
    /// <remarks>With <paramref name="attribution"/> (made with this model's <see cref="Template"/>), each generated token's attention records are kept there.</remarks>
    public GenerationResult Generate(IReadOnlyList<KvShard> shards, SummaryOptions options,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default, IReadOnlyList<int>? published = null,
        AttentionTrace? attribution = null)
    {
        using var memory = new ShardedCrossAttention(shards, options.CrossAttention, Network.Device, attribution);
        return Generate(memory, options, onDecided, cancellationToken, published, attribution);
    }

    /// <summary>
    /// Generates against any cross-attention memory (for example shards spread over silos), one job on the calling
    /// thread; many jobs at once go through the iteration engine (<c>Scheduling/IterationEngine</c>) instead.
    /// </summary>
    /// <remarks><paramref name="attribution"/> is the trace <paramref name="memory"/> stages its records in, if any.</remarks>
    public GenerationResult Generate(ICrossAttentionMemory memory, SummaryOptions options,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default, IReadOnlyList<int>? published = null,
        AttentionTrace? attribution = null)
    {
        var settings = ResolveSettings(options);
        using var target = new LocalDecodeTarget(Network, memory);
        return DecodeSearch.Run(DecodeSearch.Create(settings, Network.VocabSize, published, attribution), target, onDecided, cancellationToken);
    }

    /// <summary>
    /// The tokenizer's template with the task prefix (T5's "summarize: ") after its own prefix, as HF's summarization
    /// pipeline prepends it to the text. Tokenizing it apart from the text gives the same ids, since SentencePiece
    /// splits at the space that ends the prefix.
    /// </summary>
    private static InputTemplate EncoderTemplate(ModelConfig config, ITextTokenizer tokenizer)
    {
        var template = tokenizer.Template;
        if (string.IsNullOrWhiteSpace(config.SummarizationPrefix)) return template;
        return template with { Prefix = [.. template.Prefix, .. tokenizer.Encode(config.SummarizationPrefix, addSpecialTokens: false)] };
    }

    /// <summary>
    /// Checks the tokenizer against <c>vocab_size</c>: an embedding matrix padded past the tokenizer's ids by less than
    /// 128 rows (T5, mT5) is normal and the padding ids decode to nothing; a larger gap, or ordinary tokens beyond the
    /// matrix (a special token past it, like bart-large-cnn's unused &lt;mask&gt;, is tolerated), is a mismatch.
    /// </summary>
    private static ITextTokenizer CheckVocabulary(ITextTokenizer tokenizer, ModelConfig config)
    {
        int tokens = tokenizer.VocabSize, rows = config.VocabSize;
        if (tokens < rows)
        {
            if (rows - tokens >= 128)
                throw new CheckpointException(config.SourcePath, "vocab_size",
                    $"{rows} embedding rows but the tokenizer knows only {tokens} ids: that is not padding (under 128 rows) but a tokenizer that does not belong to these weights.");
            return new PaddedVocabularyTokenizer(tokenizer, rows);
        }
        var beyond = Enumerable.Range(rows, tokens - rows).Where(id => tokenizer.IdToToken(id) is not null && !tokenizer.IsSpecialToken(id)).ToArray();
        if (beyond.Length > 0)
            throw new CheckpointException(config.SourcePath, "vocab_size",
                $"{rows} embedding rows but the tokenizer has {tokens} ids, {beyond.Length} of them ordinary tokens past the matrix (first: {beyond[0]} '{tokenizer.IdToToken(beyond[0])}').");
        foreach (var id in tokenizer.Template.Apply([]).Append(tokenizer.EosTokenId))
        {
            if (id >= rows)
                throw new CheckpointException(config.SourcePath, "vocab_size", $"the tokenizer's special token {id} ('{tokenizer.IdToToken(id)}') is past the {rows} embedding rows.");
        }
        return tokenizer;
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
