using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

/// <summary>
/// <c>T5Attention</c>'s projections: q, k, v to <c>heads × d_kv</c> and o back to d_model, all without biases. Scores
/// are <c>q·kᵀ</c> with no 1/√d scaling (T5 folds it into the initialisation), plus the position bias and masks.
/// </summary>
internal sealed class T5Attention : IDisposable
{
    private readonly Linear _q, _k, _v, _o;

    public T5Attention(IWeightSource weights, string prefix, int dModel, int heads, int headDim)
    {
        Heads = heads;
        HeadDim = headDim;
        long inner = (long)heads * headDim;
        _q = new Linear(weights, prefix + ".q", dModel, inner, bias: false);
        _k = new Linear(weights, prefix + ".k", dModel, inner, bias: false);
        _v = new Linear(weights, prefix + ".v", dModel, inner, bias: false);
        _o = new Linear(weights, prefix + ".o", inner, dModel, bias: false);
    }

    public int Heads { get; }

    public int HeadDim { get; }

    /// <summary><c>[batch, len, heads·d_kv]</c> to <c>[batch, heads, len, d_kv]</c>.</summary>
    public Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], Heads, HeadDim).transpose(1, 2);

    /// <summary>The query, unscaled: the "already scaled" query ICrossAttentionMemory expects, with a scale of 1.</summary>
    public Tensor ProjectQuery(Tensor hidden) => SplitHeads(_q.Forward(hidden));

    /// <summary>Keys and values of <paramref name="hidden"/>, each <c>[batch, heads, len, d_kv]</c>.</summary>
    public (Tensor Keys, Tensor Values) ProjectKeyValues(Tensor hidden) =>
        (SplitHeads(_k.Forward(hidden)), SplitHeads(_v.Forward(hidden)));

    /// <summary>Merges heads back and applies <c>o</c>.</summary>
    public Tensor Output(Tensor context)
    {
        var merged = context.transpose(1, 2).reshape(context.shape[0], context.shape[2], Heads * HeadDim);
        return _o.Forward(merged);
    }

    /// <summary>softmax(q·kᵀ + bias)·v; <paramref name="bias"/> (position bias plus masks) broadcasts to <c>[batch, heads, q, k]</c>.</summary>
    public static Tensor Attend(Tensor query, Tensor keys, Tensor values, Tensor? bias)
    {
        var scores = query.matmul(keys.transpose(-1, -2));
        if (bias is not null) scores = scores.add(bias, Scalars.One);
        return scores.softmax(-1).matmul(values);
    }

    public void Dispose()
    {
        _q.Dispose();
        _k.Dispose();
        _v.Dispose();
        _o.Dispose();
    }
}
