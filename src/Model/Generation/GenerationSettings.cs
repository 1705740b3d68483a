using Summarizer.Model.Configuration;

namespace Summarizer.Model.Generation;

/// <summary>
/// Resolved generation parameters with Hugging Face's meanings. Lengths count the decoder start token, as HF's
/// <c>max_length</c>/<c>min_length</c> do for encoder-decoder models.
/// </summary>
public sealed record GenerationSettings
{
    /// <summary>Longest output sequence, decoder start token included.</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary>EOS is suppressed while the sequence is shorter than this (decoder start included).</summary>
    public int MinLength { get; init; }

    /// <summary>1 = greedy search; more = beam search with this many beams.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Exponent on the generated length that beam scores are divided by.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>No n-gram of this size occurs twice (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Beam-search stopping rule.</summary>
    public EarlyStoppingMode EarlyStopping { get; init; } = EarlyStoppingMode.Heuristic;

    /// <summary>First token fed to the decoder.</summary>
    public int DecoderStartTokenId { get; init; } = 2;

    /// <summary>Tokens that end a sequence (HF allows a list; every one of them ends it). Empty: only the length does.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [2];

    /// <summary>The first end-of-sequence token; setting it makes it the only one.</summary>
    public int? EosTokenId
    {
        get => EosTokenIds.Count > 0 ? EosTokenIds[0] : null;
        init => EosTokenIds = value is { } id ? [id] : [];
    }

    /// <summary>Padding token.</summary>
    public int PadTokenId { get; init; } = 1;

    /// <summary>Token forced right after the decoder start, if any.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary>Tokens forced (all allowed, nothing else) at the last step before <see cref="MaxLength"/>; empty for none.</summary>
    public IReadOnlyList<int> ForcedEosTokenIds { get; init; } = [];

    /// <summary>The first forced EOS token; setting it makes it the only one.</summary>
    public int? ForcedEosTokenId
    {
        get => ForcedEosTokenIds.Count > 0 ? ForcedEosTokenIds[0] : null;
        init => ForcedEosTokenIds = value is { } id ? [id] : [];
    }

    /// <summary>Whether <paramref name="token"/> ends a sequence.</summary>
    public bool IsEos(int token)
    {
        foreach (var id in EosTokenIds) if (id == token) return true;
        return false;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first out-of-range parameter.</summary>
    public void Validate(int vocabSize)
    {
        if (MaxLength < 2) throw new ArgumentException($"max_length must be at least 2 (decoder start plus one token); got {MaxLength}.", nameof(MaxLength));
        if (MinLength < 0 || MinLength > MaxLength) throw new ArgumentException($"min_length must be between 0 and max_length ({MaxLength}); got {MinLength}.", nameof(MinLength));
        if (NumBeams < 1) throw new ArgumentException($"num_beams must be at least 1; got {NumBeams}.", nameof(NumBeams));
        if (NoRepeatNgramSize < 0) throw new ArgumentException($"no_repeat_ngram_size must be 0 or more; got {NoRepeatNgramSize}.", nameof(NoRepeatNgramSize));
        if (double.IsNaN(LengthPenalty) || double.IsInfinity(LengthPenalty)) throw new ArgumentException("length_penalty must be a finite number.", nameof(LengthPenalty));
        var ids = new List<(string, int?)> { ("decoder_start_token_id", DecoderStartTokenId), ("forced_bos_token_id", ForcedBosTokenId) };
        ids.AddRange(EosTokenIds.Select(id => ("eos_token_id", (int?)id)));
        ids.AddRange(ForcedEosTokenIds.Select(id => ("forced_eos_token_id", (int?)id)));
        foreach (var (name, id) in ids)
        {
            if (id is { } v && (v < 0 || v >= vocabSize))
                throw new ArgumentException($"{name} {v} is outside the vocabulary (size {vocabSize}).", name);
        }
    }
}
