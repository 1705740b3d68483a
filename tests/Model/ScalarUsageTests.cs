using Microsoft.CodeAnalysis;
using Summarizer.Model.Tests.Analysis;
using Xunit.Abstractions;

namespace Summarizer.Model.Tests;

/// <summary>
/// No code hands libtorch a scalar that the garbage collector may finalize during the call (see <see cref="Scalars"/>):
/// the sources of every project are compiled and every expression that makes a TorchSharp scalar nothing roots is
/// reported. Each class of such expression is shown to be caught on a snippet, so the sweep cannot pass by missing one.
/// </summary>
public sealed class ScalarUsageTests(ITestOutputHelper output)
{
    private static readonly Lazy<ScalarMakers> Makers = new(() => ScalarMakers.Read(SourceCompilations.TorchSharpPath));
    private static TemporaryScalarScanner Scanner => new(Makers.Value);

    [Fact]
    public void NoProjectMakesATemporaryTorchSharpScalar()
    {
        var root = SourceCompilations.RepositoryRoot;
        var found = new List<TemporaryScalar>();
        int scannedFiles = 0;
        foreach (var (csproj, compilation) in SourceCompilations.CompileAll())
        {
            var own = Path.GetDirectoryName(csproj)! + Path.DirectorySeparatorChar;
            if (compilation.AssemblyName == "Summarizer.Model")
            {
                // The model compiles with every reference it needs, so every expression in it is bound for the scan.
                // Source generators do not run here: a [GeneratedRegex] partial method has no body (CS8795).
                var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").ToList();
                Assert.True(errors.Count == 0, "src/Model did not compile for the analysis:\n" + string.Join('\n', errors.Take(20)));
            }
            scannedFiles += compilation.SyntaxTrees.Count(t => t.FilePath.StartsWith(own, StringComparison.Ordinal));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            found.AddRange(Scanner.Scan(compilation, root));
            output.WriteLine($"{compilation.AssemblyName}: {clock.ElapsedMilliseconds} ms");
        }
        foreach (var f in found) output.WriteLine(f.ToString());
        Assert.True(scannedFiles > 100, $"only {scannedFiles} files were scanned");
        Assert.True(found.Count == 0, $"{found.Count} temporary scalars:\n" + string.Join('\n', found));
    }

    [Theory]
    [InlineData("a + b", "operator")]
    [InlineData("a - 1", "operator")]
    [InlineData("a * 0.5", "operator")]
    [InlineData("2.0 * a", "operator")]
    [InlineData("a + 1", "operator")]
    [InlineData("1 - a", "operator")]
    [InlineData("a / 2.0", "operator")]
    [InlineData("a % 3", "operator")]
    [InlineData("a + Scalars.One", "operator")] // add(Scalar) still makes its alpha
    [InlineData("a.masked_fill(a.gt(Scalars.Zero), double.NegativeInfinity)", "conversion to Scalar")]
    [InlineData("a.clamp(min: 0)", "conversion to Scalar")]
    [InlineData("a.pow(2)", "conversion to Scalar")]
    [InlineData("a.lt(3)", "conversion to Scalar")]
    [InlineData("a.fill_(0.25f)", "conversion to Scalar")]
    [InlineData("torch.full(new long[] { 2 }, 7.0)", "conversion to Scalar")]
    [InlineData("torch.arange(0, 4)", "conversion to Scalar")]
    [InlineData("a.masked_fill(a.gt(Scalars.Zero), (Scalar)0.5)", "conversion to Scalar")]
    [InlineData("a.add(b)", "call")]
    [InlineData("a.add_(b)", "call")]
    [InlineData("a.masked_fill(a.gt(Scalars.Zero), 0.5.ToScalar())", "call")]
    [InlineData("torch.tensor(a.ToSingle())", "call")]
    public void EachClassOfTemporaryScalarIsFound(string expression, string kind)
    {
        var found = ScanSnippet($"var r = {expression};");
        Assert.Contains(found, f => f.Kind == kind);
        Assert.All(found, f => Assert.Contains(f.Code, expression));
    }

    [Fact]
    public void ATensorOperationInitializingAUsingVariableIsStillFound()
    {
        var found = ScanSnippet("using var r = a.add(b);");
        Assert.Equal("a.add(b)", Assert.Single(found).Code);
    }

    [Fact]
    public void CompoundAssignmentOfTensorsIsFound()
    {
        var found = ScanSnippet("var r = a.clone(); r += b;");
        Assert.Equal("operator", Assert.Single(found).Kind);
    }

    [Theory]
    [InlineData("var r = a.add(b, Scalars.One);")]
    [InlineData("var r = a - b;")] // TorchSharp 0.107's sub(Tensor) has no alpha
    [InlineData("var r = a.sub(b);")]
    [InlineData("var r = a * b;")]
    [InlineData("var r = a / b;")]
    [InlineData("var r = a * Scalars.Half;")]
    [InlineData("var r = a.masked_fill(a.gt(Scalars.Zero), Scalars.NegativeInfinity);")]
    [InlineData("var r = Scalars.With(0.125, s => a.mul(s));")]
    [InlineData("using var s = 0.5.ToScalar(); var r = a.mul(s);")]
    [InlineData("var r = a.sum().item<float>() + 1f;")]
    public void RootedScalarsAndScalarFreeOperationsAreNotReported(string statements)
    {
        Assert.Empty(ScanSnippet(statements));
    }

    [Fact]
    public void AStaticReadonlyScalarIsRootedWhileAnInstanceFieldOneIsNot()
    {
        var found = ScanSnippet("var r = a;", "private static readonly Scalar Kept = 0.5.ToScalar(); private readonly Scalar _lost = 0.5.ToScalar();");
        Assert.Equal("0.5.ToScalar()", Assert.Single(found).Code);
    }

    [Fact]
    public void TheMethodsThatMakeScalarsAreReadFromTorchSharp()
    {
        // a.add(b) passes a temporary alpha of 1; add(b, alpha) and mul(b) make none.
        var tensor = typeof(TorchSharp.torch.Tensor);
        bool Makes(string name, params Type[] parameters) => Makers.Value.Contains(tensor.GetMethod(name, parameters)!.MetadataToken);
        Assert.True(Makes("add", tensor));
        Assert.False(Makes("add", tensor, typeof(TorchSharp.Scalar)));
        Assert.False(Makes("mul", tensor));
        Assert.True(Makes("op_Addition", tensor, tensor));
        Assert.True(Makes("op_Multiply", tensor, typeof(double)));
        Assert.False(Makes("op_Multiply", tensor, tensor));
        Assert.InRange(Makers.Value.MethodCount, 100, 100_000);
    }

    [Fact]
    public void AnExpressionOverTensorsThatDoesNotBindIsReportedRatherThanPassed()
    {
        var found = ScanSnippet("var r = a.add(b, NotDeclared.Alpha);", compiles: false);
        Assert.Equal("unbound expression over TorchSharp types", Assert.Single(found).Kind);
    }

    /// <summary>Temporary scalars in <paramref name="statements"/>, run on two float tensors <c>a</c> and <c>b</c>.</summary>
    private List<TemporaryScalar> ScanSnippet(string statements, string members = "", bool compiles = true)
    {
        var source = $$"""
            using TorchSharp;
            using Summarizer.Model;
            using static TorchSharp.torch;

            public sealed class Snippet
            {
                {{members}}
                public static object Run(Tensor a, Tensor b)
                {
                    {{statements}}
                    return r;
                }
            }
            """;
        var compilation = SourceCompilations.CompileSnippet(source, MetadataReference.CreateFromFile(typeof(Scalars).Assembly.Location));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0 == compiles, string.Join('\n', errors));
        var found = Scanner.Scan(compilation);
        foreach (var f in found) output.WriteLine(f.ToString());
        return found;
    }
}
