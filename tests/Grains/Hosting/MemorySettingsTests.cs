using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;

namespace Summarizer.Grains.Tests.Hosting;

public sealed class MemorySettingsTests
{
    [Theory]
    [InlineData("MallocMmapThresholdBytes", "100")]
    [InlineData("MallocMmapThresholdBytes", "67108864")]
    [InlineData("MallocMmapThresholdBytes", "-1")]
    [InlineData("MallocArenas", "-1")]
    public void AMallocSettingOutOfRangeStopsTheSiloNamingIt(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Summarizer:" + setting] = value }).Build();
        var builder = Host.CreateApplicationBuilder();

        var e = Assert.Throws<OptionsValidationException>(() => builder.UseOrleans(silo => silo.AddSummarizer(configuration)));

        Assert.Contains("Summarizer:" + setting, e.Message);
    }
}
