using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;

namespace Summarizer.Grains.Tests.Hosting;

/// <summary>Silo settings are validated when the silo is built: a value out of range stops it, naming the setting.</summary>
public sealed class SiloSettingsTests
{
    [Theory]
    [InlineData("MallocMmapThresholdBytes", "100")]
    [InlineData("MallocMmapThresholdBytes", "67108864")]
    [InlineData("MallocMmapThresholdBytes", "-1")]
    [InlineData("MallocArenas", "-1")]
    [InlineData("MaxBatchRows", "0")]
    [InlineData("TorchThreads", "-1")]
    [InlineData("EncoderBudgetPerIteration", "-00:00:01")]
    public void ASiloSettingOutOfRangeStopsTheSiloNamingIt(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Summarizer:" + setting] = value }).Build();
        var builder = Host.CreateApplicationBuilder();

        var e = Assert.Throws<OptionsValidationException>(() => builder.UseOrleans(silo => silo.AddSummarizer(configuration)));

        Assert.Contains("Summarizer:" + setting, e.Message);
    }
}
