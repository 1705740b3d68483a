namespace Summarizer.Model.Tokenization;

/// <summary>
/// Which strings play the BART special-token roles. Defaults are BART's; a checkpoint's
/// <c>special_tokens_map.json</c> may rename them.
/// </summary>
/// <param name="Bos">Beginning of sequence, prepended by <see cref="BartTokenizer.Encode"/>.</param>
/// <param name="Pad">Padding.</param>
/// <param name="Eos">End of sequence, appended by <see cref="BartTokenizer.Encode"/>.</param>
/// <param name="Unk">Stand-in for anything the vocabulary cannot express.</param>
/// <param name="Mask">Denoising mask used during BART pre-training.</param>
public sealed record BartSpecialTokenNames(
    string Bos = "<s>",
    string Pad = "<pad>",
    string Eos = "</s>",
    string Unk = "<unk>",
    string Mask = "<mask>")
{
    /// <summary>BART's own names.</summary>
    public static BartSpecialTokenNames Default { get; } = new();

    /// <summary>All five names in BART's id order (mask last).</summary>
    public IReadOnlyList<string> All => [Bos, Pad, Eos, Unk, Mask];
}
