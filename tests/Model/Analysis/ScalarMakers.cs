using System.Collections.Frozen;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Summarizer.Model.Tests.Analysis;

/// <summary>
/// The TorchSharp methods that make a <see cref="TorchSharp.Scalar"/> when called, read from the IL of the TorchSharp
/// assembly the project runs on: every method that constructs a Scalar, and every method that calls one of those,
/// transitively. <c>Tensor.add(Tensor)</c> is one (it calls <c>add(target, 1)</c>, converting 1 to a temporary scalar),
/// <c>Tensor.add(Tensor, Scalar)</c> is not. Reading the IL rather than listing methods by hand keeps the set true for
/// whatever TorchSharp version is referenced.
/// </summary>
/// <remarks>
/// Calls are followed as the IL names them; a virtual call is not followed into overrides in other types, and calls
/// through delegates are not followed. TorchSharp's tensor operators and conversions are plain static or instance calls.
/// </remarks>
public sealed class ScalarMakers
{
    private readonly FrozenSet<int> _tokens;

    private ScalarMakers(FrozenSet<int> tokens, int methods)
    {
        _tokens = tokens;
        MethodCount = methods;
    }

    /// <summary>How many TorchSharp methods make a scalar.</summary>
    public int MethodCount { get; }

    /// <summary>Whether the method with this metadata token (a TorchSharp method definition) makes a scalar.</summary>
    public bool Contains(int metadataToken) => _tokens.Contains(metadataToken);

    /// <summary>The analysis of the TorchSharp assembly at <paramref name="path"/>.</summary>
    public static ScalarMakers Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var scalarType = md.TypeDefinitions.Single(h => IsType(md, h, "TorchSharp", "Scalar"));

        // callers[m] = the methods whose IL calls m; a scalar constructor's callers, and theirs, make scalars.
        var callers = new Dictionary<MethodDefinitionHandle, List<MethodDefinitionHandle>>();
        var makers = new HashSet<MethodDefinitionHandle>();
        var pending = new Queue<MethodDefinitionHandle>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (typeHandle == scalarType && md.GetString(method.Name) == ".ctor")
                {
                    makers.Add(methodHandle);
                    pending.Enqueue(methodHandle);
                }
                if (method.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                foreach (var callee in Callees(md, body.GetILReader()))
                {
                    if (!callers.TryGetValue(callee, out var list)) callers[callee] = list = [];
                    list.Add(methodHandle);
                }
            }
        }
        while (pending.TryDequeue(out var maker))
        {
            if (!callers.TryGetValue(maker, out var list)) continue;
            foreach (var caller in list)
                if (makers.Add(caller)) pending.Enqueue(caller);
        }
        return new ScalarMakers(makers.Select(h => MetadataTokens.GetToken(h)).ToFrozenSet(), makers.Count);
    }

    private static bool IsType(MetadataReader md, TypeDefinitionHandle handle, string ns, string name)
    {
        var type = md.GetTypeDefinition(handle);
        return md.GetString(type.Namespace) == ns && md.GetString(type.Name) == name;
    }

    /// <summary>The methods of this assembly that the IL calls, constructs or takes the address of.</summary>
    private static IEnumerable<MethodDefinitionHandle> Callees(MetadataReader md, BlobReader il)
    {
        while (il.RemainingBytes > 0)
        {
            int value = il.ReadByte();
            if (value == 0xFE) value = 0xFE00 | il.ReadByte();
            var opCode = OpCodesByValue[value];
            if (opCode.OperandType == OperandType.InlineSwitch)
            {
                int count = il.ReadInt32();
                il.Offset += 4 * count;
                continue;
            }
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                foreach (var target in Resolve(md, MetadataTokens.EntityHandle(il.ReadInt32())))
                    yield return target;
                continue;
            }
            il.Offset += OperandSize(opCode.OperandType);
        }
    }

    /// <summary>
    /// A method token as definitions of this assembly: a definition itself, a generic instantiation of one, or a
    /// reference to a method of a generic type of this assembly (every method of that name and arity: an
    /// over-approximation that can only make the set larger).
    /// </summary>
    private static IEnumerable<MethodDefinitionHandle> Resolve(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                yield return (MethodDefinitionHandle)handle;
                break;
            case HandleKind.MethodSpecification:
                foreach (var target in Resolve(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method))
                    yield return target;
                break;
            case HandleKind.MemberReference:
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                if (reference.Parent.Kind != HandleKind.TypeSpecification) break;
                var spec = md.GetTypeSpecification((TypeSpecificationHandle)reference.Parent).Signature;
                var blob = md.GetBlobReader(spec);
                if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) break;
                blob.ReadSignatureTypeCode(); // class or value type
                var generic = blob.ReadTypeHandle();
                if (generic.Kind != HandleKind.TypeDefinition) break;
                var name = md.GetString(reference.Name);
                int arity = ParameterCount(md.GetBlobReader(reference.Signature));
                foreach (var candidate in md.GetTypeDefinition((TypeDefinitionHandle)generic).GetMethods())
                {
                    var method = md.GetMethodDefinition(candidate);
                    if (md.GetString(method.Name) == name && ParameterCount(md.GetBlobReader(method.Signature)) == arity)
                        yield return candidate;
                }
                break;
        }
    }

    private static int ParameterCount(BlobReader signature)
    {
        var header = signature.ReadSignatureHeader();
        if (header.IsGeneric) signature.ReadCompressedInteger();
        return signature.ReadCompressedInteger();
    }

    private static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    private static readonly FrozenDictionary<int, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToFrozenDictionary(o => (int)(ushort)o.Value);
}
