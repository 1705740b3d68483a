namespace Summarizer.Silo.Tests;

/// <summary>
/// Test classes sharing one <see cref="SiloAppFixture"/>; they run one after another, so a slow CPU-bound job in one
/// test never starves another's deadlines.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloAppFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "silo";
}
