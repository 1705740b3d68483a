using System.Net;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class HealthTests(SiloAppFixture fixture)
{
    /// <summary>Polls <c>/health/ready</c> until it answers <paramref name="expected"/> or a minute passes.</summary>
    private static async Task<HttpStatusCode> ReadinessAsync(HttpClient http, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var response = await http.GetAsync("/health/ready");
            if (response.StatusCode == expected || DateTime.UtcNow > deadline) return response.StatusCode;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task LivenessIsOk()
    {
        using var response = await fixture.App.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadinessIsOkOnceTheModelHasLoaded()
    {
        Assert.Equal(HttpStatusCode.OK, await ReadinessAsync(fixture.App.Http, HttpStatusCode.OK));
    }

    [Fact]
    public async Task SiloWithAMissingModelIsLiveButNotReady()
    {
        await using var broken = await SiloApp.StartAsync("/nonexistent/model-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessAsync(broken.Http, HttpStatusCode.ServiceUnavailable));
        using var live = await broken.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task SiloWithACorruptSafetensorsFileRefusesToBecomeReady()
    {
        var dir = Path.Combine(Path.GetTempPath(), "summarizer-corrupt-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var file in Directory.GetFiles(TinyCheckpoint.Directory)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            var weights = Path.Combine(dir, "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            File.WriteAllBytes(weights, bytes.AsSpan(0, bytes.Length / 2).ToArray()); // truncated: tensors run past the end

            await using var broken = await SiloApp.StartAsync(dir);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessAsync(broken.Http, HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
