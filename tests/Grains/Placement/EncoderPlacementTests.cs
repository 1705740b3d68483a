using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Placement;

namespace Summarizer.Grains.Tests.Placement;

/// <summary>
/// In a cluster of one <c>encoder</c> silo and two <c>decoder</c> silos, document grains activate only on the encoder
/// silo, while summary (decoder) grains may run anywhere.
/// </summary>
public sealed class EncoderPlacementTests
{
    [Fact]
    public async Task Document_grains_are_placed_only_on_silos_that_can_encode()
    {
        // The first silo configured is the encoder; the others decode only.
        string? encoderName = null;
        await using var cluster = await SummarizerCluster.StartAsync(silos: 3, configureSilo: (name, o) =>
            o.Role = (encoderName ??= name) == name ? SiloRole.Encoder : SiloRole.Decoder);
        var silos = cluster.Cluster.Silos.ToList();
        var encoder = silos.Single(s => s.ServiceProvider.GetRequiredService<IOptions<SummarizerOptions>>().Value.Role == SiloRole.Encoder).SiloAddress;

        // Silo metadata is fetched asynchronously after membership changes; wait until every silo knows every role.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!silos.All(s => silos.All(t => s.ServiceProvider.GetRequiredService<ISiloMetadataCache>()
                   .GetSiloMetadata(t.SiloAddress).Metadata.ContainsKey(SiloRoles.MetadataKey))))
        {
            Assert.True(DateTime.UtcNow < deadline, "silo metadata did not propagate within 30 s");
            await Task.Delay(100);
        }
        Assert.Equal(SiloRoles.ToMetadata(SiloRole.Encoder), silos[0].ServiceProvider.GetRequiredService<ISiloMetadataCache>().GetSiloMetadata(encoder).Metadata[SiloRoles.MetadataKey]);

        // Activate many documents through the client (whose gateway calls land on every silo) ...
        var client = cluster.Cluster.Client;
        for (int i = 0; i < 24; i++) await client.GetGrain<IDocumentGrain>($"placement/{i:D2}/model").GetProgressAsync();

        // ... and every activation is on the encoder silo.
        var management = client.GetGrain<IManagementGrain>(0);
        var stats = (await management.GetDetailedGrainStatistics())
            .Where(s => s.GrainId.ToString().Contains("placement/", StringComparison.Ordinal)).ToList();
        Assert.Equal(24, stats.Count);
        Assert.All(stats, s => Assert.Equal(encoder, s.SiloAddress));
    }

    [Fact]
    public void Roles_that_can_encode()
    {
        Assert.True(SiloRoles.CanEncode(SiloRole.All));
        Assert.True(SiloRoles.CanEncode(SiloRole.Encoder));
        Assert.False(SiloRoles.CanEncode(SiloRole.Decoder));
        Assert.False(SiloRoles.CanEncode(null));
    }
}
