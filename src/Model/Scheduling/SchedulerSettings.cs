namespace Summarizer.Model.Scheduling;

/// <summary>How the iteration engine shares its thread between decoding jobs and other tensor work.</summary>
public sealed record SchedulerSettings
{
    /// <summary>
    /// Rows one batched decoder step may hold (a greedy job is one row, a beam-search job one row per beam). Jobs join
    /// in arrival order while their rows fit and wait beyond it; a job larger than the budget runs when it is alone.
    /// </summary>
    public int MaxBatchRows { get; init; } = 32;

    /// <summary>
    /// Time given to queued work items (tokenizing, encoder batches, K/V projection, (de)serialization) after each
    /// decoder iteration while jobs are decoding. At least one item runs per iteration, whatever the budget, so
    /// encoding always progresses; a running stream waits at most one iteration plus this budget plus one item.
    /// With no job decoding, items run back to back.
    /// </summary>
    public TimeSpan EncoderBudgetPerIteration { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (MaxBatchRows < 1) throw new ArgumentException($"MaxBatchRows must be at least 1; got {MaxBatchRows}.", nameof(MaxBatchRows));
        if (EncoderBudgetPerIteration < TimeSpan.Zero) throw new ArgumentException($"EncoderBudgetPerIteration must not be negative; got {EncoderBudgetPerIteration}.", nameof(EncoderBudgetPerIteration));
    }
}
