using Microsoft.Extensions.Diagnostics.HealthChecks;
using Summarizer.Grains.Inference;

namespace Summarizer.Silo;

/// <summary>Ready when the model has loaded (a broken checkpoint keeps the silo out of rotation, with the reason).</summary>
internal sealed class ReadinessCheck(ModelHost models) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
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
