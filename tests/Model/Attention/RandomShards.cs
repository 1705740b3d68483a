using Summarizer.Model.KvCache;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

/// <summary>K/V shards of random values (F32, outliving the caller's dispose scope; the test disposes them).</summary>
internal static class RandomShards
{
    public static KvShard Create(int index, int length, int layers = 2, int heads = 4, int dim = 8) =>
        new("doc", "m", index, 0, length, KvDType.F32,
            Enumerable.Range(0, layers).Select(_ => (randn(heads, length, dim).DetachFromDisposeScope(), randn(heads, length, dim).DetachFromDisposeScope())).ToArray());
}
