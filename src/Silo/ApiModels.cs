using Summarizer.Contracts;

namespace Summarizer.Silo;

/// <summary>The <c>202</c> answer to a submission: the job's id, its status and where to follow it.</summary>
public sealed record SubmissionAccepted(string Id, SummaryStatus Status, JobLinks Links);

/// <summary>Where a job is read (<c>self</c>) and streamed (<c>events</c>).</summary>
public sealed record JobLinks(string Self, string Events);

/// <summary>Every active silo's figures (<c>GET /v1/diagnostics</c>).</summary>
public sealed record DiagnosticsReport(IReadOnlyList<SiloDiagnostics> Silos);
