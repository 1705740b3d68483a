using Summarizer.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Scheduling;

/// <summary>A batched step's logits turned into each job's scores on the host, in one copy.</summary>
internal static class BatchScores
{
    /// <summary>
    /// Logits <c>[Σ rows, vocab]</c> in job order to managed floats, as log-probabilities for the rows of jobs whose
    /// search scores in log space (beam search) and raw for the others (greedy).
    /// </summary>
    public static float[] ToHost(Tensor logits, IReadOnlyList<DecodeJob> jobs)
    {
        int logSpace = jobs.Count(j => j.Search.LogProbabilities);
        if (logSpace == 0) return LocalDecodeTarget.ToHost(logits);
        if (logSpace == jobs.Count) return LocalDecodeTarget.ToHost(logits.log_softmax(-1));
        var parts = new Tensor[jobs.Count];
        long start = 0;
        for (int i = 0; i < jobs.Count; i++)
        {
            var rows = logits.narrow(0, start, jobs[i].Rows);
            parts[i] = jobs[i].Search.LogProbabilities ? rows.log_softmax(-1) : rows;
            start += jobs[i].Rows;
        }
        return LocalDecodeTarget.ToHost(cat(parts, 0));
    }
}
