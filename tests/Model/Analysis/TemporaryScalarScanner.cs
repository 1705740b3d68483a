using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Summarizer.Model.Tests.Analysis;

/// <summary>One place where code makes a TorchSharp scalar that nothing keeps alive.</summary>
/// <param name="File">The source file (relative to the repository, or the snippet's name).</param>
/// <param name="Line">1-based line.</param>
/// <param name="Kind">What makes it: an operator, a conversion to Scalar, a call, or an expression over tensors that did not bind.</param>
/// <param name="Code">The expression.</param>
/// <param name="Method">The TorchSharp method that makes the scalar.</param>
public sealed record TemporaryScalar(string File, int Line, string Kind, string Code, string Method)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}: {Kind} `{Code}` ({Method})";
}

/// <summary>
/// Finds, with the semantic model of a real compilation, every expression that makes a TorchSharp scalar nothing roots:
/// a tensor operator whose operator method makes one (<c>a + b</c>'s implicit alpha, <c>t * 0.5</c>, <c>1 - t</c>), an
/// implicit or explicit conversion of a number to <c>Scalar</c> (<c>masked_fill(m, double.NegativeInfinity)</c>,
/// <c>clamp(min: 0)</c>), and any call, constructor or property of TorchSharp that makes one inside
/// (<c>a.add(b)</c>, <c>t.ToSingle()</c>). A scalar is rooted, and not reported, when it initializes a
/// <c>static readonly</c> field (alive for the process) or a <c>using</c> variable (alive until its scope ends): the
/// two forms <see cref="Scalars"/> uses.
/// </summary>
public sealed class TemporaryScalarScanner(ScalarMakers makers)
{
    /// <summary>
    /// Every temporary scalar in the files of <paramref name="compilation"/> that <paramref name="scanned"/> accepts (all
    /// when null), paths shown relative to <paramref name="root"/>.
    /// </summary>
    public List<TemporaryScalar> Scan(Compilation compilation, string? root = null, Func<string, bool>? scanned = null)
    {
        var found = new List<TemporaryScalar>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (scanned is not null && !scanned(tree.FilePath)) continue;
            var model = compilation.GetSemanticModel(tree);
            var file = root is null ? tree.FilePath : Path.GetRelativePath(root, tree.FilePath);
            // Each body, initializer or attribute is bound once and its operation tree walked.
            var pending = new Stack<SyntaxNode>([tree.GetRoot()]);
            while (pending.TryPop(out var node))
            {
                if (model.GetOperation(node) is { } operation)
                {
                    foreach (var op in operation.DescendantsAndSelf())
                        foreach (var (kind, method) in Makers(op))
                        {
                            // Only a scalar that is itself the value kept can be rooted; a tensor op's own temporaries never are.
                            if (op.Type?.ToDisplayString() == "TorchSharp.Scalar" && op.Syntax is ExpressionSyntax e && IsRooted(e)) continue;
                            int line = op.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                            found.Add(new TemporaryScalar(file, line, kind, Shorten(op.Syntax.ToString()), method));
                        }
                    continue;
                }
                foreach (var child in node.ChildNodes()) pending.Push(child);
            }
        }
        return found;
    }

    /// <summary>What about <paramref name="operation"/> itself makes a scalar (its parts are visited on their own).</summary>
    private IEnumerable<(string Kind, string Method)> Makers(IOperation operation)
    {
        switch (operation)
        {
            case IBinaryOperation { OperatorMethod: { } method } when MakesScalar(method):
                yield return ("operator", method.ToDisplayString());
                break;
            case ICompoundAssignmentOperation { OperatorMethod: { } method } when MakesScalar(method):
                yield return ("operator", method.ToDisplayString());
                break;
            case IUnaryOperation { OperatorMethod: { } method } when MakesScalar(method):
                yield return ("operator", method.ToDisplayString());
                break;
            case IIncrementOrDecrementOperation { OperatorMethod: { } method } when MakesScalar(method):
                yield return ("operator", method.ToDisplayString());
                break;
            case IConversionOperation { OperatorMethod: { } method } when MakesScalar(method):
                yield return ("conversion to Scalar", method.ToDisplayString());
                break;
            case IInvocationOperation { TargetMethod: var method } when MakesScalar(method):
                yield return ("call", method.ToDisplayString());
                break;
            case IMethodReferenceOperation { Method: var method } when MakesScalar(method):
                yield return ("call", method.ToDisplayString());
                break;
            case IObjectCreationOperation { Constructor: { } method } when MakesScalar(method):
                yield return ("call", method.ToDisplayString());
                break;
            case IPropertyReferenceOperation property:
                foreach (var accessor in AccessorsRun(property))
                    if (MakesScalar(accessor)) yield return ("call", accessor.ToDisplayString());
                break;
            case IInvalidOperation invalid when invalid.ChildOperations.Any(o => IsTorchSharp(o.Type))
                || invalid.Syntax is ExpressionSyntax && IsTorchSharpCandidate(invalid):
                // An operation that did not bind cannot be judged: reported when it involves TorchSharp at all.
                yield return ("unbound expression over TorchSharp types", "?");
                break;
        }
    }

    private static bool IsTorchSharpCandidate(IInvalidOperation invalid) =>
        invalid.SemanticModel?.GetSymbolInfo(invalid.Syntax).CandidateSymbols.Any(IsTorchSharp) == true;

    /// <summary>The accessors a property reference runs: the getter when read, the setter when written, both when updated.</summary>
    private static IEnumerable<IMethodSymbol> AccessorsRun(IPropertyReferenceOperation reference)
    {
        bool assigned = reference.Parent is IAssignmentOperation assignment && assignment.Target == reference;
        bool simple = reference.Parent is ISimpleAssignmentOperation;
        if ((!assigned || !simple) && reference.Property.GetMethod is { } getter) yield return getter;
        if (assigned && reference.Property.SetMethod is { } setter) yield return setter;
    }

    private bool MakesScalar(IMethodSymbol? method)
    {
        if (method is null) return false;
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        return definition.ContainingAssembly?.Name == "TorchSharp" && makers.Contains(definition.MetadataToken);
    }

    private static bool IsTorchSharp(ISymbol? symbol) =>
        symbol is not null && symbol.ContainingAssembly?.Name == "TorchSharp" || symbol is ITypeSymbol { TypeKind: not TypeKind.Error } type
            && type.ContainingAssembly?.Name == "TorchSharp";

    /// <summary>
    /// Whether the value of <paramref name="expression"/> is kept alive by what it initializes: a static readonly field,
    /// or a using declaration or statement.
    /// </summary>
    private static bool IsRooted(ExpressionSyntax expression)
    {
        SyntaxNode node = expression;
        while (node.Parent is ParenthesizedExpressionSyntax or CastExpressionSyntax) node = node.Parent;
        if (node.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } }) return false;
        return declaration.Parent switch
        {
            FieldDeclarationSyntax field => field.Modifiers.Any(SyntaxKind.StaticKeyword) && field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword),
            LocalDeclarationStatementSyntax local => local.UsingKeyword != default,
            UsingStatementSyntax => true,
            _ => false,
        };
    }

    private static string Shorten(string code)
    {
        code = string.Join(' ', code.Split((char[])['\r', '\n', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return code.Length <= 120 ? code : code[..117] + "...";
    }
}
