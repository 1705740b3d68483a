namespace Summarizer.Model.Checkpoints;

/// <summary>
/// A checkpoint or configuration file that cannot be used. The message always names the file and,
/// where one is to blame, the field or tensor, so the user knows exactly what to fix.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates an exception for a problem in <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The file (or directory) that is unusable.</param>
    /// <param name="field">The JSON field or tensor name at fault, or <c>null</c> when the whole file is.</param>
    /// <param name="problem">What is wrong, phrased for the user.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CheckpointException(string filePath, string? field, string problem, Exception? innerException = null)
        : base(FormatMessage(filePath, field, problem), innerException)
    {
        FilePath = filePath;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file (or directory) that is unusable.</summary>
    public string FilePath { get; }

    /// <summary>The JSON field or tensor name at fault, or <c>null</c> when the whole file is.</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string FormatMessage(string filePath, string? field, string problem) =>
        field is null
            ? $"{filePath}: {problem}"
            : $"{filePath}: '{field}': {problem}";
}
