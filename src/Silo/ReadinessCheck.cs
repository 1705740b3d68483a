using Microsoft.Extensions.Diagnostics.HealthChecks;
using Summarizer.Grains.Inference;

namespace Summarizer.Silo;

/// <summary>
/// Ready when the model has loaded (a broken checkpoint keeps the silo out of rotation, with the reason), and no longer
/// ready once the host is stopping, so a silo being scaled in stops receiving new HTTP work while it drains.
/// </summary>
internal sealed class ReadinessCheck(ModelHost models, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested) return HealthCheckResult.Unhealthy("shutting down");
        try
        {
            var model = await models.GetAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"model {model.Fingerprint} loaded");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("model not loaded: " + e.Message);
        }
    }
}
