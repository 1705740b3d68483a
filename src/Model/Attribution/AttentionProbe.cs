using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attribution;

/// <summary>
/// Turns one pass of the last decoder layer's sharded cross-attention into <see cref="TokenAttention"/> records. Each
/// shard's share of a head's attention is exp(LSE_s − LSE) (the log-sum-exp merge already has both), so the
/// head-averaged probability of a position is mean_h share_{h,s} · w_{h,s,j}: exactly dense attention over the shards
/// given, computed from the per-shard weights the partials already made. The rows held in a shard's K/V map to
/// document tokens; template rows (BOS, EOS, language codes, task prefix) and padding are never reported.
/// </summary>
internal sealed class AttentionProbe : IDisposable
{
    private readonly AttentionTrace _trace;
    private readonly int[] _documentToken;   // [shards × maxLength]: document token of a K/V row, or -1
    private readonly Tensor _notContent;     // [shards, maxLength]: rows that are no document token
    private readonly int _shards;
    private readonly long _maxLength;

    public AttentionProbe(AttentionTrace trace, IReadOnlyList<KvShard> shards, long maxLength, Device device)
    {
        _trace = trace;
        _shards = shards.Count;
        _maxLength = maxLength;
        _documentToken = new int[_shards * maxLength];
        Array.Fill(_documentToken, -1);
        var notContent = new bool[_documentToken.Length];
        Array.Fill(notContent, true);
        for (int s = 0; s < _shards; s++)
        {
            var shard = shards[s];
            int prefixRows = s == 0 ? trace.Template.Prefix.Count : 0;
            int owned = Math.Min(shard.TokenEnd - shard.TokenStart, shard.ValidLength - prefixRows);
            for (int i = 0; i < owned; i++)
            {
                long row = s * maxLength + prefixRows + i;
                _documentToken[row] = shard.TokenStart + i;
                notContent[row] = false;
            }
        }
        _notContent = tensor(notContent, [_shards, maxLength]).to(device).DetachFromDisposeScope();
    }

    /// <summary>
    /// Stages records for every query row from the attended shards' <paramref name="weights"/>
    /// <c>[shards, heads, rows, len]</c> (each normalized within its shard) and log-sum-exps <paramref name="logSumExp"/>
    /// <c>[shards, heads, rows]</c> (−inf for a shard a row did not attend). <paramref name="shardIds"/> names the
    /// shards given (null: all, in order).
    /// </summary>
    public void Record(Tensor weights, Tensor logSumExp, long[]? shardIds)
    {
        using var scope = NewDisposeScope();
        long given = weights.shape[0], heads = weights.shape[1], rows = weights.shape[2], length = weights.shape[3];
        var share = logSumExp.sub(logSumExp.logsumexp(0, keepdim: true)).exp_().nan_to_num_(0.0);   // [u, h, r]
        var mass = share.mean([1]);                                                                              // [u, r]
        // Σ over heads as one batched product instead of a [u, h, r, l] temporary; the mean's 1/h comes after top-k.
        var probabilities = einsum("uhrl,uhr->url", weights, share);
        var notContent = shardIds is null ? _notContent : _notContent.index_select(0, tensor(shardIds, device: weights.device));
        probabilities.masked_fill_(notContent.unsqueeze(1), Scalars.Zero);
        var flat = probabilities.permute(1, 0, 2).reshape(rows, given * length);
        var (values, indexes) = flat.topk((int)Math.Min(_trace.PositionsPerToken, given * length), dim: 1);
        var massHost = Host<float>(mass);
        var valueHost = Host<float>(values);
        var indexHost = Host<long>(indexes);
        int k = (int)values.shape[1];
        var records = new TokenAttention[rows];
        for (int r = 0; r < rows; r++)
        {
            var shardMass = new float[_shards];
            for (int u = 0; u < given; u++) shardMass[shardIds?[u] ?? u] = massHost[u * rows + r];
            var top = new List<AttendedPosition>(k);
            for (int j = 0; j < k; j++)
            {
                long index = indexHost[r * k + j];
                long shard = shardIds?[index / length] ?? index / length;
                int token = _documentToken[shard * _maxLength + index % length];
                float weight = valueHost[r * k + j] / heads;
                if (token >= 0 && weight > 0) top.Add(new AttendedPosition(token, weight));
            }
            records[r] = new TokenAttention(shardMass, top);
        }
        _trace.Stage(records);
    }

    private static T[] Host<T>(Tensor t) where T : unmanaged => t.cpu().contiguous().data<T>().ToArray();

    public void Dispose() => _notContent.Dispose();
}
