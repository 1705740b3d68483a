using Microsoft.Extensions.DependencyInjection;
using Summarizer.Client;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

/// <summary>
/// The concurrency bounds in the grains, on an in-process cluster of two silos: the tenant bound is one admission
/// grain per tenant, so it holds whichever silo a job is submitted on; slots leaked by jobs that no longer run are
/// recovered. Jobs are held running by occupying every silo's inference thread.
/// </summary>
public sealed class JobAdmissionTests
{
    /// <summary>Occupies every silo's inference thread until disposed.</summary>
    private sealed class Gate : IDisposable
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task[] _blockers;

        public Gate(SummarizerCluster cluster) =>
            _blockers = cluster.SiloServices.Select(s => (Task)s.GetRequiredService<InferenceScheduler>().RunAsync(_ => { _open.Task.Wait(); return 0; })).ToArray();

        public void Dispose()
        {
            _open.TrySetResult();
            Task.WaitAll(_blockers, TimeSpan.FromSeconds(30));
        }
    }

    private static async Task LoadModelsAsync(SummarizerCluster cluster)
    {
        foreach (var services in cluster.SiloServices) await services.GetRequiredService<ModelHost>().GetAsync();
    }

    private static async Task<SummaryJob> WaitForStatusAsync(SummarizerClient client, string jobId, SummaryStatus status)
    {
        for (int i = 0; i < 600; i++)
        {
            var job = await client.GetAsync(jobId);
            if (job?.Status == status) return job;
            await Task.Delay(100);
        }
        throw new TimeoutException($"job {jobId} never reached {status}");
    }

    private static async Task<SummaryEvent> FinishAsync(SummarizerClient client, string jobId)
    {
        SummaryEvent? last = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var e in client.StreamAsync(jobId).WithCancellation(timeout.Token)) last = e;
        return last!;
    }

    [Fact]
    public async Task TheTenantBoundHoldsAcrossSilosAndEachJobRunsOnTheSiloItWasSubmittedOn()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 2, o => o.MaxConcurrentJobsPerTenant = 1);
        await LoadModelsAsync(cluster);
        // A client on each silo, as the HTTP API on two gateway silos would have.
        var silos = cluster.Cluster.Silos.ToArray();
        var clients = silos.Select(s => new SummarizerClient(s.ServiceProvider.GetRequiredService<IGrainFactory>())).ToArray();

        string first, other;
        using (new Gate(cluster))
        {
            first = await clients[0].SubmitAsync(TinyCheckpoint.Document(600, 900, "pep").Document, new SummaryRequestOptions { MaxNewTokens = 4 }, "t1");
            var running = await WaitForStatusAsync(clients[0], first, SummaryStatus.Encoding);
            Assert.Equal(silos[0].SiloAddress.ToString(), running.Silo);

            var refused = await Assert.ThrowsAsync<JobLimitExceededException>(() =>
                clients[1].SubmitAsync(TinyCheckpoint.Document(600, 900, "kep").Document, new SummaryRequestOptions { MaxNewTokens = 4 }, "t1"));
            Assert.Equal(JobLimitRefusal.PerTenant, refused.Refusal.Bound);
            Assert.Equal(1, refused.Refusal.Limit);
            Assert.Contains("Summarizer:MaxConcurrentJobsPerTenant", refused.Message);

            other = await clients[1].SubmitAsync(TinyCheckpoint.Document(600, 900, "kep").Document, new SummaryRequestOptions { MaxNewTokens = 4 }, "t2");
            Assert.Equal(silos[1].SiloAddress.ToString(), (await WaitForStatusAsync(clients[1], other, SummaryStatus.Encoding)).Silo);
            Assert.Equal([first], await cluster.Cluster.Client.GetGrain<IJobAdmissionGrain>("t1").GetRunningAsync());
        }

        Assert.Equal(SummaryEventKind.Done, (await FinishAsync(cluster.Client, first)).Kind);
        Assert.Equal(SummaryEventKind.Done, (await FinishAsync(cluster.Client, other)).Kind);
        Assert.Empty(await cluster.Cluster.Client.GetGrain<IJobAdmissionGrain>("t1").GetRunningAsync());
        var again = await clients[1].SubmitAsync(TinyCheckpoint.Document(600, 900, "kep").Document, new SummaryRequestOptions { MaxNewTokens = 4 }, "t1");
        Assert.Equal(SummaryEventKind.Done, (await FinishAsync(cluster.Client, again)).Kind);
    }

    [Fact]
    public async Task ASlotHeldForAJobThatNoLongerRunsIsFreedWhenTheTenantReachesItsBound()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o => o.MaxConcurrentJobsPerTenant = 2);
        var admission = cluster.Cluster.Client.GetGrain<IJobAdmissionGrain>("t1");
        // Slots that were never given back: a job that ended long ago, and one whose silo died before it was recorded.
        var ended = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(600, 900, "pep").Document, new SummaryRequestOptions { MaxNewTokens = 4 }, "t1");
        Assert.Equal(SummaryEventKind.Done, (await FinishAsync(cluster.Client, ended)).Kind);
        await admission.HoldAsync(ended);
        await admission.HoldAsync("never-recorded-job");
        Assert.Equal(2, (await admission.GetRunningAsync()).Count);

        // At its bound, the tenant's grain asks the held jobs; neither runs, so both slots are freed and the job accepted.
        var accepted = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(600, 900, "kep").Document, new SummaryRequestOptions { MaxNewTokens = 4 }, "t1");

        Assert.Equal([accepted], await admission.GetRunningAsync());
        Assert.Equal(SummaryEventKind.Done, (await FinishAsync(cluster.Client, accepted)).Kind);
        Assert.Empty(await admission.GetRunningAsync());
    }
}
