using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RandSac.Tests.Platform;

/// <summary>
/// No code of ours hands LibTorch a TorchSharp Scalar that nothing holds. Such a temporary is
/// unreachable once its handle is read, so the GC may finalise it (freeing the native scalar)
/// while the native call still reads it: a 16-epoch CIFAR-10 pre-training died at step 2,015 in
/// `x + y` ("Expected false to be true … toFloat"), and a freed scalar can as well be read as a
/// wrong number. Hidden temporaries come from implicit number → Scalar conversions, from
/// TorchSharp's Tensor-and-number operators (which convert inside), and from `Tensor + Tensor`
/// and one-argument `add`/`add_` (which make an alpha of 1 inside). Code holds its scalars in
/// `using var` locals or uses <c>HeldScalars</c>.
/// </summary>
public sealed class ScalarTemporariesTests
{
    [Fact]
    public void NoSourceFileHandsLibTorchAScalarTemporary()
    {
        var compilation = CompileSources();
        var findings = new List<string>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().OfType<ExpressionSyntax>())
                if (Finding(model, node) is { } what)
                    findings.Add($"{Path.GetRelativePath(RepositoryRoot.Path, tree.FilePath)}:{node.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: {what}: {node}");
        }
        Assert.True(findings.Count == 0, $"{findings.Count} Scalar temporaries:\n{string.Join("\n", findings)}");
    }

    [Fact]
    public void TheScanFindsEachKindOfTemporary()
    {
        const string code = """
            using TorchSharp;
            using static TorchSharp.torch;
            static class Sample
            {
                static Tensor Sum(Tensor a, Tensor b) => a + b;
                static Tensor Scaled(Tensor a) => a * 0.5;
                static Tensor Clamped(Tensor a) => a.clamp_min(1);
                static Tensor Added(Tensor a, Tensor b) => a.add_(b);
                static Tensor Held(Tensor a, Tensor b) { using var half = 0.5.ToScalar(); return a.mul(half).sub(b); }
            }
            """;
        var compilation = Compile([CSharpSyntaxTree.ParseText(code, path: "Sample.cs")]);
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Sample.cs");
        var model = compilation.GetSemanticModel(tree);
        var found = tree.GetRoot().DescendantNodes().OfType<ExpressionSyntax>()
            .Select(node => (node, what: Finding(model, node))).Where(x => x.what is not null)
            .Select(x => $"{x.node.GetLocation().GetLineSpan().StartLinePosition.Line + 1} {x.what}").ToList();
        Assert.Equal(["5 Tensor + Tensor (alpha 1 made inside)", "6 Tensor-and-number operator (converts inside)",
                      "7 implicit conversion to Scalar", "8 add_ without alpha (alpha 1 made inside)"], found);
    }

    static string? Finding(SemanticModel model, ExpressionSyntax node)
    {
        var conversion = model.GetConversion(node);
        if (conversion.IsUserDefined && conversion.MethodSymbol?.ContainingType.Name == "Scalar")
            return "implicit conversion to Scalar";
        if (node is BinaryExpressionSyntax or AssignmentExpressionSyntax &&
            model.GetSymbolInfo(node).Symbol is IMethodSymbol { MethodKind: MethodKind.UserDefinedOperator } op && IsTensor(op.ContainingType))
        {
            if (!op.Parameters.All(p => IsTensor(p.Type))) return "Tensor-and-number operator (converts inside)";
            if (op.Name == WellKnownMemberNames.AdditionOperatorName) return "Tensor + Tensor (alpha 1 made inside)";
        }
        if (node is InvocationExpressionSyntax && model.GetSymbolInfo(node).Symbol is IMethodSymbol { Name: "add" or "add_" } add &&
            IsTensor(add.ContainingType) && add.Parameters.Length == 1 && IsTensor(add.Parameters[0].Type))
            return $"{add.Name} without alpha (alpha 1 made inside)";
        return null;
    }

    static bool IsTensor(ITypeSymbol type) => type.Name == "Tensor" && type.ContainingNamespace.ToDisplayString() == "TorchSharp";

    static CSharpCompilation CompileSources()
    {
        var files = new[] { "src/RandSac", "src/RandSac.Cli" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"))
            .Concat(ProtocOutputs());
        var compilation = Compile(files.Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), path: path)));
        // [GeneratedRegex] methods have their bodies from a source generator, which the scan does not run.
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").Take(5).ToList();
        Assert.True(errors.Count == 0, $"the sources do not compile for the scan:\n{string.Join("\n", errors)}");
        return compilation;
    }

    static CSharpCompilation Compile(IEnumerable<SyntaxTree> trees)
    {
        // The framework's assemblies and every assembly beside the tests but ours: TorchSharp and the other packages.
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var beside = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
        var references = platform.Concat(beside).Where(path => !Path.GetFileName(path).StartsWith("RandSac", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName).Select(g => MetadataReference.CreateFromFile(g.First()));
        var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
            allowUnsafe: true);
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        return CSharpCompilation.Create("scan", trees.Select(t => t.WithRootAndOptions(t.GetRoot(), parse)), references, options)
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(GlobalUsings, parse, path: "GlobalUsings.cs"));
    }

    /// <summary>The classes protoc generated for the last build of src/RandSac (newest of each file).</summary>
    static IEnumerable<string> ProtocOutputs() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src", "RandSac", "obj"), "*.cs", SearchOption.AllDirectories)
            .Where(path => File.ReadLines(path).Take(3).Any(line => line.Contains("Generated by the protocol buffer compiler", StringComparison.Ordinal)))
            .GroupBy(Path.GetFileName).Select(g => g.OrderByDescending(File.GetLastWriteTimeUtc).First());

    // The implicit usings of an SDK project.
    const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;
}
