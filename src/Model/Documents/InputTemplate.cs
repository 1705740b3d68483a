namespace Summarizer.Model.Documents;

/// <summary>
/// The special tokens a tokenizer's template puts around a text (HF's <c>build_inputs_with_special_tokens</c>), plus a
/// task prefix: BART <c>&lt;s&gt; … &lt;/s&gt;</c>, PEGASUS and T5 <c>… &lt;/s&gt;</c> (T5's prefix "summarize: " in
/// front), mBART-50 <c>[src_lang] … &lt;/s&gt;</c>, mBART <c>… &lt;/s&gt; [src_lang]</c>. Every encoder window gets
/// the whole template, so each shard is encoded as the model was trained to see its input; only the first shard
/// keeps the prefix rows and only the last the suffix rows, so a one-window document is exactly HF's input.
/// </summary>
/// <param name="Prefix">Ids before the content.</param>
/// <param name="Suffix">Ids after the content.</param>
public sealed record InputTemplate(IReadOnlyList<int> Prefix, IReadOnlyList<int> Suffix)
{
    /// <summary>Tokens the template adds to every window.</summary>
    public int Overhead => Prefix.Count + Suffix.Count;

    /// <summary>The template around <paramref name="content"/>.</summary>
    public int[] Apply(IReadOnlyList<int> content) => [.. Prefix, .. content, .. Suffix];

    /// <inheritdoc />
    public bool Equals(InputTemplate? other) =>
        other is not null && Prefix.SequenceEqual(other.Prefix) && Suffix.SequenceEqual(other.Suffix);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Prefix.Count, Suffix.Count);
}
