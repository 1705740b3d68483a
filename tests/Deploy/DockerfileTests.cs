using System.Text.RegularExpressions;

namespace Summarizer.Deploy.Tests;

/// <summary>
/// The Dockerfiles checked as text (no Docker engine runs here): multi-stage SDK build, runtime base, non-root user,
/// health check on the silo's readiness endpoint, the model mounted rather than copied, the CUDA switch.
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "deploy/docker/Dockerfile", "deploy/docker/Dockerfile.cuda" };

    private static string[] Instructions(string path) =>
        File.ReadAllLines(Repository.PathOf(path)).Where(l => l.Length > 0 && !l.TrimStart().StartsWith('#')).ToArray();

    private static string LastStage(string path)
    {
        var text = string.Join('\n', Instructions(path));
        return text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
    }

    [Theory, MemberData(nameof(Dockerfiles))]
    public void Builds_with_the_sdk_and_runs_as_a_non_root_user_with_a_health_check(string path)
    {
        var lines = Instructions(path);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", lines.First(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("dotnet publish src/Silo/Summarizer.Silo.csproj -c Release", StringComparison.Ordinal));

        var runtime = LastStage(path);
        var user = Regex.Matches(runtime, @"^USER\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Last();
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        Assert.Matches(@"HEALTHCHECK[^\n]*\\\n\s*CMD [^\n]*http://127\.0\.0\.1:8080/health/ready", runtime);
        Assert.Contains("EXPOSE 8080 11111 30000", runtime);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"Summarizer.Silo.dll\"]", runtime);
    }

    [Theory, MemberData(nameof(Dockerfiles))]
    public void The_model_is_mounted_not_baked_in(string path)
    {
        var runtime = LastStage(path);
        Assert.Contains("VOLUME [\"/models\"]", runtime);
        Assert.Contains("Summarizer__ModelDirectory=/models", runtime);
        // Nothing but the published app is copied into the runtime image, and no checkpoint files anywhere.
        foreach (Match copy in Regex.Matches(runtime, @"^COPY\s+(.*)$", RegexOptions.Multiline))
            Assert.Matches(@"^--from=(build|dotnet) ", copy.Groups[1].Value);
        Assert.DoesNotMatch(@"safetensors|huggingface|/models/\w", string.Join('\n', Instructions(path)));
    }

    [Fact]
    public void Cpu_image_runs_on_the_dotnet_runtime_image()
    {
        Assert.StartsWith("\nFROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime", LastStage("deploy/docker/Dockerfile"));
        Assert.Contains(Instructions("deploy/docker/Dockerfile"), l => l.Contains("-p:TorchBackend=cpu", StringComparison.Ordinal));
    }

    [Fact]
    public void Cuda_image_builds_with_the_cuda_switch_on_a_cuda_runtime_base()
    {
        var lines = Instructions("deploy/docker/Dockerfile.cuda");
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal) && l.Contains("-p:TorchBackend=cuda", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal) && l.Contains("-p:TorchBackend=cuda", StringComparison.Ordinal));
        Assert.Matches(@"^\nFROM nvidia/cuda:[0-9.]+-(cudnn-)?runtime-ubuntu24\.04 AS runtime", LastStage("deploy/docker/Dockerfile.cuda"));
        Assert.Contains("Summarizer__Device=cuda", LastStage("deploy/docker/Dockerfile.cuda"));
    }

    [Fact]
    public void The_build_context_leaves_out_build_outputs_and_tests()
    {
        var ignore = File.ReadAllLines(Repository.PathOf(".dockerignore"));
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains("tests/", ignore);
    }
}
