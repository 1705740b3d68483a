using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Summarizer.Model.Tests.Analysis;

/// <summary>
/// The repository's C# projects compiled from source by Roslyn, for analysis: each project's files and those of the
/// projects it references, the SDK's implicit usings and the project's own <c>Using</c> items, and as references the
/// assemblies this test process runs on (the framework, TorchSharp, the tokenizer). <c>src/Model</c> compiles with
/// nothing missing; projects that also need packages this test does not load (Orleans, ASP.NET Core, Redis) compile with
/// those names unresolved, which leaves every expression over TorchSharp types bound.
/// </summary>
public static class SourceCompilations
{
    private static readonly string[] SdkUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly string[] WebSdkUsings =
        ["System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
         "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
         "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging"];

    /// <summary>The repository root (the directory holding <c>Summarizer.sln</c>) above this test's output.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The TorchSharp assembly this process loads.</summary>
    public static string TorchSharpPath => typeof(TorchSharp.Scalar).Assembly.Location;

    /// <summary>Every <c>.csproj</c> under <c>src/</c> and <c>bench/</c>.</summary>
    public static IReadOnlyList<string> Projects() =>
        [.. new[] { "src", "bench", "tests/TestSupport" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(RepositoryRoot, d), "*.csproj", SearchOption.AllDirectories)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The assemblies this process trusts (framework and packages), less the repository's own, which are compiled from
    /// source instead.
    /// </summary>
    public static IReadOnlyList<MetadataReference> References { get; } =
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !Path.GetFileName(p).StartsWith("Summarizer.", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p))];

    /// <summary>
    /// Every project under <c>src/</c> and <c>bench/</c> compiled from its own files, each referencing the compilations
    /// of the projects it references (so each file is compiled once), keyed by project path.
    /// </summary>
    public static IReadOnlyDictionary<string, CSharpCompilation> CompileAll()
    {
        var compiled = new Dictionary<string, CSharpCompilation>(StringComparer.Ordinal);
        foreach (var csproj in Projects()) Compile(csproj, compiled);
        return compiled;
    }

    private static CSharpCompilation Compile(string csproj, Dictionary<string, CSharpCompilation> compiled)
    {
        if (compiled.TryGetValue(csproj, out var done)) return done;
        var project = XDocument.Load(csproj).Root!;
        var directory = Path.GetDirectoryName(csproj)!;
        var usings = new List<string>(SdkUsings.Select(Global));
        if ((string?)project.Attribute("Sdk") == "Microsoft.NET.Sdk.Web") usings.AddRange(WebSdkUsings.Select(Global));
        foreach (var item in project.Descendants("Using"))
        {
            if ((string?)item.Attribute("Include") is not { } ns) continue;
            bool isStatic = string.Equals((string?)item.Attribute("Static"), "true", StringComparison.OrdinalIgnoreCase);
            usings.Add((string?)item.Attribute("Alias") is { } alias ? $"global using {alias} = global::{ns};\n"
                : isStatic ? $"global using static global::{ns};\n" : Global(ns));
        }
        var references = new List<MetadataReference>(References);
        foreach (var reference in project.Descendants("ProjectReference"))
        {
            if (string.Equals((string?)reference.Attribute("ReferenceOutputAssembly"), "false", StringComparison.OrdinalIgnoreCase)) continue;
            var path = Path.GetFullPath(Path.Combine(directory, ((string)reference.Attribute("Include")!).Replace('\\', '/')));
            references.Add(Compile(path, compiled).ToMetadataReference());
        }
        string obj = Path.Combine(directory, "obj") + Path.DirectorySeparatorChar, bin = Path.Combine(directory, "bin") + Path.DirectorySeparatorChar;
        var trees = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(obj, StringComparison.Ordinal) && !f.StartsWith(bin, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => Parse(File.ReadAllText(f), f))
            .Append(Parse(string.Concat(usings.Distinct()), Path.Combine(obj, "GlobalUsings.g.cs")));
        var name = project.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(csproj);
        return compiled[csproj] = CSharpCompilation.Create(name, trees, references, Options);
    }

    /// <summary><paramref name="source"/> compiled on its own, with the SDK's usings, against <paramref name="references"/> as well.</summary>
    public static CSharpCompilation CompileSnippet(string source, params MetadataReference[] references) =>
        CSharpCompilation.Create("Snippet", [Parse(source, "Snippet.cs"), Parse(string.Concat(SdkUsings.Select(Global)), "GlobalUsings.g.cs")],
            [.. References, .. references], Options);

    private static CSharpCompilationOptions Options => new(OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);

    private static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text,
        new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: ["NET", "NET10_0", "NET10_0_OR_GREATER", "RELEASE"]), path);

    private static string Global(string ns) => $"global using global::{ns};\n";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Summarizer.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Summarizer.sln not found above " + AppContext.BaseDirectory);
    }
}
