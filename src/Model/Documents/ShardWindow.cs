namespace Summarizer.Model.Documents;

/// <summary>
/// One encoder window over a document's content tokens (specials excluded): the encoder sees
/// <c>[WindowStart, WindowEnd)</c> inside the tokenizer's template (<see cref="InputTemplate"/>: BOS/EOS, language
/// codes, task prefix), and the shard keeps only <c>[KeepStart, KeepEnd)</c>, the tokens that have more context here
/// than in any neighbouring window. The first window also keeps its prefix rows and the last its suffix rows, so a
/// one-window document is exactly the model's ordinary input.
/// </summary>
public sealed record ShardWindow(int Index, int WindowStart, int WindowEnd, int KeepStart, int KeepEnd, bool IsFirst, bool IsLast,
    int PrefixLength = 1, int SuffixLength = 1)
{
    /// <summary>Rows of K/V the shard stores.</summary>
    public int KeptRows => KeepEnd - KeepStart + (IsFirst ? PrefixLength : 0) + (IsLast ? SuffixLength : 0);

    /// <summary>Length of the encoder input, template included.</summary>
    public int InputLength => WindowEnd - WindowStart + PrefixLength + SuffixLength;
}
