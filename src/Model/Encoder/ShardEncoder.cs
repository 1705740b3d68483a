using Summarizer.Model.Documents;
using Summarizer.Model.KvCache;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Encoder;

/// <summary>
/// Runs the encoder once per shard window, in batches, and projects each decoder layer's cross-attention K/V from
/// the rows the shard keeps. This is the only place the encoder and the K/V projections run for a document;
/// <see cref="EncoderRuns"/> counts shards encoded so callers (and tests) can prove nothing ran twice.
/// </summary>
public sealed class ShardEncoder
{
    private readonly IEncoderDecoderNetwork _model;
    private long _encoderRuns;

    /// <summary>
    /// Creates an encoder for <paramref name="model"/>, whose fingerprint is stamped on every shard. Every window is
    /// wrapped in <paramref name="template"/> (the tokenizer's specials and task prefix); when null, BOS (if the model
    /// has one) and EOS.
    /// </summary>
    public ShardEncoder(IEncoderDecoderNetwork model, string modelFingerprint, InputTemplate? template = null, int batchSize = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        ModelFingerprint = modelFingerprint;
        BatchSize = batchSize;
        var config = model.Config;
        Template = template ?? new InputTemplate(config.BosTokenId is { } bos ? [bos] : [], [config.EosTokenId]);
    }

    /// <summary>The specials (and task prefix) around every window's content.</summary>
    public InputTemplate Template { get; }

    /// <summary>Fingerprint of the model that produced the shards.</summary>
    public string ModelFingerprint { get; }

    /// <summary>Windows run through the encoder together.</summary>
    public int BatchSize { get; }

    /// <summary>Shard windows encoded since this instance was created.</summary>
    public long EncoderRuns => Interlocked.Read(ref _encoderRuns);

    /// <summary>
    /// Encodes <paramref name="contentIds"/> (the document without specials) window by window and returns one shard
    /// per window, K/V in <paramref name="dtype"/>. <paramref name="progress"/> gets (shards done, total).
    /// </summary>
    public IReadOnlyList<KvShard> Encode(string documentId, IReadOnlyList<int> contentIds, IReadOnlyList<ShardWindow> windows,
        KvDType dtype, Action<int, int>? progress = null, CancellationToken cancellationToken = default) =>
        Encode(documentId, contentIds, windows, dtype, keepHidden: false, progress, cancellationToken).Select(s => s.Kv).ToArray();

    /// <summary>
    /// As <see cref="Encode(string, IReadOnlyList{int}, IReadOnlyList{ShardWindow}, KvDType, Action{int, int}?, CancellationToken)"/>;
    /// with <paramref name="keepHidden"/> it also returns each shard's encoder rows (the compact stored form), and the
    /// K/V is projected from those rows as stored, so a silo that later loads the rows gets bit-identical K/V.
    /// </summary>
    public IReadOnlyList<(KvShard Kv, HiddenShard? Hidden)> Encode(string documentId, IReadOnlyList<int> contentIds, IReadOnlyList<ShardWindow> windows,
        KvDType dtype, bool keepHidden, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var config = _model.Config;
        var prefix = Template.Prefix;
        var suffix = Template.Suffix;
        if (windows.Any(w => w.PrefixLength != prefix.Count || w.SuffixLength != suffix.Count))
            throw new ArgumentException($"The windows were planned for another template than this encoder's ({prefix.Count} prefix and {suffix.Count} suffix tokens).", nameof(windows));
        var shards = new List<(KvShard, HiddenShard?)>(windows.Count);
        using var _ = no_grad();
        for (int first = 0; first < windows.Count; first += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = windows.Skip(first).Take(BatchSize).ToArray();
            using var scope = NewDisposeScope();
            int length = batch.Max(w => w.InputLength);
            var ids = new long[batch.Length * length];
            var mask = new long[batch.Length * length];
            for (int row = 0; row < batch.Length; row++)
            {
                var w = batch[row];
                int o = row * length;
                Array.Fill(ids, config.PadTokenId, o, length);
                for (int i = 0; i < prefix.Count; i++) ids[o + i] = prefix[i];
                for (int i = w.WindowStart; i < w.WindowEnd; i++) ids[o + prefix.Count + i - w.WindowStart] = contentIds[i];
                for (int i = 0; i < suffix.Count; i++) ids[o + w.InputLength - suffix.Count + i] = suffix[i];
                Array.Fill(mask, 1L, o, w.InputLength);
            }
            var hidden = _model.Encode(tensor(ids, [batch.Length, length]).to(_model.Device), tensor(mask, [batch.Length, length]).to(_model.Device));
            Interlocked.Add(ref _encoderRuns, batch.Length);
            for (int row = 0; row < batch.Length; row++)
            {
                var w = batch[row];
                var rows = KeptRows(w);
                var kept = hidden[row].index_select(0, tensor(rows).to(_model.Device));
                if (keepHidden)
                {
                    var stored = new HiddenShard(documentId, ModelFingerprint, w.Index, w.KeepStart, w.KeepEnd, dtype,
                        kept.to_type(dtype.ToScalarType()).cpu().contiguous().DetachFromDisposeScope());
                    shards.Add((ProjectHidden(stored), stored));
                }
                else
                {
                    shards.Add((ProjectShard(documentId, w.Index, w.KeepStart, w.KeepEnd, kept, dtype), null));
                }
            }
            progress?.Invoke(shards.Count, windows.Count);
        }
        return shards;
    }

    /// <summary>
    /// Projects already-encoded rows <c>[rows, d_model]</c> into a shard's per-layer K/V. Used by
    /// encoding and wherever encoder output is kept instead of K/V.
    /// </summary>
    public KvShard ProjectShard(string documentId, int index, int tokenStart, int tokenEnd, Tensor keptHidden, KvDType dtype)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // Shards live in host memory (stores serialize them from there); decoders move them to their device.
        var layers = _model.ProjectCrossKeyValues(keptHidden.to(_model.Device).unsqueeze(0))
            .Select(kv => (kv.Keys.squeeze(0).to_type(dtype.ToScalarType()).cpu().contiguous().DetachFromDisposeScope(),
                           kv.Values.squeeze(0).to_type(dtype.ToScalarType()).cpu().contiguous().DetachFromDisposeScope()))
            .ToArray();
        return new KvShard(documentId, ModelFingerprint, index, tokenStart, tokenEnd, dtype, layers);
    }

    /// <summary>Projects a stored <see cref="HiddenShard"/> into the K/V shard decoding needs (in the same dtype).</summary>
    public KvShard ProjectHidden(HiddenShard shard)
    {
        using var scope = NewDisposeScope();
        return ProjectShard(shard.DocumentId, shard.Index, shard.TokenStart, shard.TokenEnd, shard.Hidden.to_type(ScalarType.Float32), shard.DType);
    }

    private static long[] KeptRows(ShardWindow w)
    {
        var rows = new List<long>(w.KeptRows);
        if (w.IsFirst) for (int i = 0; i < w.PrefixLength; i++) rows.Add(i);
        for (int i = w.KeepStart; i < w.KeepEnd; i++) rows.Add(w.PrefixLength + i - w.WindowStart);
        if (w.IsLast) for (int i = w.InputLength - w.SuffixLength; i < w.InputLength; i++) rows.Add(i);
        return rows.ToArray();
    }
}
