using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>Multi-head attention projections. The query is scaled by head_dim^-0.5 before the dot product, as in HF.</summary>
internal sealed class BartAttention : IDisposable
{
    private readonly Linear _q, _k, _v, _out;

    public BartAttention(IWeightSource weights, string prefix, int dModel, int heads)
    {
        Heads = heads;
        HeadDim = dModel / heads;
        Scaling = Math.Pow(HeadDim, -0.5);
        _q = new Linear(weights, prefix + ".q_proj", dModel, dModel);
        _k = new Linear(weights, prefix + ".k_proj", dModel, dModel);
        _v = new Linear(weights, prefix + ".v_proj", dModel, dModel);
        _out = new Linear(weights, prefix + ".out_proj", dModel, dModel);
    }

    public int Heads { get; }

    public int HeadDim { get; }

    public double Scaling { get; }

    /// <summary><c>[batch, len, d]</c> to <c>[batch, heads, len, headDim]</c>.</summary>
    public Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], Heads, HeadDim).transpose(1, 2);

    public Tensor ProjectQuery(Tensor hidden) => SplitHeads(Scalars.With(Scaling, s => _q.Forward(hidden).mul(s)));

    /// <summary>Keys and values of <paramref name="hidden"/>, each <c>[batch, heads, len, headDim]</c>.</summary>
    public (Tensor Keys, Tensor Values) ProjectKeyValues(Tensor hidden) =>
        (SplitHeads(_k.Forward(hidden)), SplitHeads(_v.Forward(hidden)));

    /// <summary>Merges heads back and applies the output projection.</summary>
    public Tensor Output(Tensor context)
    {
        var merged = context.transpose(1, 2).reshape(context.shape[0], context.shape[2], Heads * HeadDim);
        return _out.Forward(merged);
    }

    /// <summary>Plain softmax attention; <paramref name="additiveMask"/> broadcasts to <c>[batch, heads, q, k]</c>.</summary>
    public static Tensor Attend(Tensor query, (Tensor Keys, Tensor Values) kv, Tensor? additiveMask) => Attend(query, kv.Keys, kv.Values, additiveMask);

    /// <summary>Plain softmax attention; <paramref name="additiveMask"/> broadcasts to <c>[batch, heads, q, k]</c>.</summary>
    public static Tensor Attend(Tensor query, Tensor keys, Tensor values, Tensor? additiveMask)
    {
        var scores = query.matmul(keys.transpose(-1, -2));
        if (additiveMask is not null) scores = scores.add(additiveMask, Scalars.One);
        return scores.softmax(-1).matmul(values);
    }

    public void Dispose()
    {
        _q.Dispose();
        _k.Dispose();
        _v.Dispose();
        _out.Dispose();
    }
}
