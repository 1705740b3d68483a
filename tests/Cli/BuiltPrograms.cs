using System.Reflection;

namespace Summarizer.Cli.Tests;

/// <summary>Paths of the programs under test, as built beside this project (same configuration and framework).</summary>
internal static class BuiltPrograms
{
    /// <summary>The CLI, <c>summarizer.dll</c>.</summary>
    public static string Cli => Find("CliDll");

    /// <summary>The silo host with the HTTP API, <c>Summarizer.Silo.dll</c>.</summary>
    public static string Silo => Find("SiloDll");

    private static string Find(string key)
    {
        var path = typeof(BuiltPrograms).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        path = Path.GetFullPath(path);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build tests/Cli (it builds the programs it runs).", path);
    }
}
