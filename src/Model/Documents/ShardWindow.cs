namespace Summarizer.Model.Documents;

/// <summary>
/// One encoder window over a document's content tokens (specials excluded): the encoder sees
/// <c>[WindowStart, WindowEnd)</c> wrapped in BOS/EOS, and the shard keeps only <c>[KeepStart, KeepEnd)</c>, the
/// tokens that have more context here than in any neighbouring window. The first window also keeps its BOS and the
/// last its EOS, so a one-window document is exactly the model's ordinary input.
/// </summary>
public sealed record ShardWindow(int Index, int WindowStart, int WindowEnd, int KeepStart, int KeepEnd, bool IsFirst, bool IsLast)
{
    /// <summary>Rows of K/V the shard stores.</summary>
    public int KeptRows => KeepEnd - KeepStart + (IsFirst ? 1 : 0) + (IsLast ? 1 : 0);

    /// <summary>Length of the encoder input, specials included.</summary>
    public int InputLength => WindowEnd - WindowStart + 2;
}
