namespace Summarizer.Model.Configuration;

/// <summary>When beam search stops, mirroring the three values of Hugging Face's <c>early_stopping</c>.</summary>
public enum EarlyStoppingMode
{
    /// <summary><c>false</c>: stop when the best finished score cannot be beaten by a heuristic estimate of the live beams.</summary>
    Heuristic,

    /// <summary><c>true</c>: stop as soon as <c>num_beams</c> finished candidates exist.</summary>
    WhenBeamsComplete,

    /// <summary><c>"never"</c>: stop only when no live beam can still beat the finished ones (canonical beam search).</summary>
    Never,
}
