using System.Reflection;

namespace Summarizer.Deploy.Tests;

/// <summary>Paths in the repository and of the programs built beside this project.</summary>
internal static class Repository
{
    /// <summary>The repository root (where Summarizer.sln lives).</summary>
    public static string Root => Path.GetFullPath(Metadata("RepositoryRoot"));

    /// <summary>A path relative to the root.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The silo host, <c>Summarizer.Silo.dll</c>, built with this project.</summary>
    public static string SiloDll
    {
        get
        {
            var path = Path.GetFullPath(Metadata("SiloDll"));
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build tests/Deploy (it builds the silo).", path);
        }
    }

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
