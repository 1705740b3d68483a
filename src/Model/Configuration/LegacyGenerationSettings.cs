namespace Summarizer.Model.Configuration;

/// <summary>
/// Generation parameters that older checkpoints (bart-large-cnn among them) keep in config.json instead of
/// generation_config.json. Each is <c>null</c> when the file does not set it.
/// </summary>
/// <param name="NumBeams"><c>num_beams</c>.</param>
/// <param name="LengthPenalty"><c>length_penalty</c>.</param>
/// <param name="NoRepeatNgramSize"><c>no_repeat_ngram_size</c>.</param>
/// <param name="MinLength"><c>min_length</c>.</param>
/// <param name="MaxLength"><c>max_length</c>.</param>
/// <param name="EarlyStopping"><c>early_stopping</c>.</param>
public sealed record LegacyGenerationSettings(
    int? NumBeams = null,
    double? LengthPenalty = null,
    int? NoRepeatNgramSize = null,
    int? MinLength = null,
    int? MaxLength = null,
    EarlyStoppingMode? EarlyStopping = null)
{
    /// <summary>Settings with nothing set.</summary>
    public static LegacyGenerationSettings None { get; } = new();

    /// <summary>Reads and range-checks the fields shared by config.json and generation_config.json.</summary>
    internal static LegacyGenerationSettings Read(JsonFieldReader reader)
    {
        var numBeams = reader.Int("num_beams");
        if (numBeams < 1)
        {
            throw reader.Error("num_beams", $"must be at least 1, found {numBeams}.");
        }

        var noRepeat = reader.Int("no_repeat_ngram_size");
        if (noRepeat < 0)
        {
            throw reader.Error("no_repeat_ngram_size", $"must not be negative, found {noRepeat}.");
        }

        var minLength = reader.Int("min_length");
        if (minLength < 0)
        {
            throw reader.Error("min_length", $"must not be negative, found {minLength}.");
        }

        var maxLength = reader.Int("max_length");
        if (maxLength < 1)
        {
            throw reader.Error("max_length", $"must be at least 1, found {maxLength}.");
        }

        return new LegacyGenerationSettings(
            numBeams,
            reader.Double("length_penalty"),
            noRepeat,
            minLength,
            maxLength,
            reader.EarlyStopping("early_stopping"));
    }
}
