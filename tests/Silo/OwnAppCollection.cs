namespace Summarizer.Silo.Tests;

/// <summary>
/// Test classes that start their own silo apps (job bounds, document limit, Redis security); they run one after
/// another so their apps do not compete for the machine's cores with each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OwnAppCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "own-apps";
}
