namespace Summarizer.Model.Scheduling;

/// <summary>A snapshot of an <see cref="IterationEngine"/>, safe to read from any thread.</summary>
/// <param name="RunningJobs">Jobs taking part in the batched step.</param>
/// <param name="RunningRows">Their rows (each beam is a row).</param>
/// <param name="QueuedJobs">Jobs waiting for rows to free up.</param>
/// <param name="QueuedWorkItems">Tensor work items waiting (tokenizing, encoder batches, projections, (de)serialization).</param>
/// <param name="Iterations">Batched decoder steps run so far.</param>
/// <param name="LastIterationMs">Time of the last iteration's decoder step (search and hand-over included).</param>
/// <param name="MeanIterationMs">Exponentially weighted mean of that time (weight 0.1 on the newest).</param>
/// <param name="WorkItemsRun">Work items run so far.</param>
/// <param name="JobsCompleted">Jobs that finished with a result.</param>
/// <param name="JobsFailed">Jobs that failed (each with its own error).</param>
/// <param name="JobsCancelled">Jobs cancelled while waiting or running.</param>
public sealed record EngineDiagnostics(int RunningJobs, int RunningRows, int QueuedJobs, int QueuedWorkItems, long Iterations,
    double LastIterationMs, double MeanIterationMs, long WorkItemsRun, long JobsCompleted, long JobsFailed, long JobsCancelled);

/// <summary>What one call of <see cref="IterationEngine.RunIteration"/> did, raised on the engine's thread.</summary>
/// <param name="Iteration">The iteration number (batched steps so far), unchanged when no step ran.</param>
/// <param name="Jobs">Jobs in this iteration's step (0 when none ran).</param>
/// <param name="Rows">Their rows.</param>
/// <param name="Joined">Jobs that joined at this boundary.</param>
/// <param name="Left">Jobs that left (finished, failed, cancelled) in this iteration.</param>
/// <param name="QueuedJobs">Jobs still waiting afterwards.</param>
/// <param name="DecodeTime">Joining (prefix passes), the batched step, search and hand-over.</param>
/// <param name="WorkItems">Work items run after the step.</param>
/// <param name="WorkTime">Their time.</param>
public sealed record IterationReport(long Iteration, int Jobs, int Rows, int Joined, int Left, int QueuedJobs,
    TimeSpan DecodeTime, int WorkItems, TimeSpan WorkTime);
