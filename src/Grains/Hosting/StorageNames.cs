namespace Summarizer.Grains.Hosting;

/// <summary>Names of the Orleans storage providers the grains use.</summary>
public static class StorageNames
{
    /// <summary>Grain state of documents and jobs.</summary>
    public const string Summarizer = "summarizer";
}
