using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Inference;

public sealed class ModelHostTests
{
    [Fact]
    public async Task MBartLanguageSettingsReachTheTokenizerAndChangeTheFingerprint()
    {
        var dir = FamilyCheckpoints.Directory("mbart-tiny");
        using var worker = new InferenceWorker(1, NullLogger<InferenceWorker>.Instance);
        using var checkpointLanguages = Host(dir, null, null, worker);
        using var configured = Host(dir, "de_DE", "fr_XX", worker);

        var plain = await checkpointLanguages.GetAsync();
        var model = await configured.GetAsync();

        Assert.Equal([model.Tokenizer.TokenToId("de_DE")!.Value], model.Template.Prefix);
        Assert.Equal(model.Tokenizer.TokenToId("fr_XX"), model.ResolveSettings(new SummaryOptions()).ForcedBosTokenId);
        Assert.Equal([plain.Tokenizer.TokenToId("en_XX")!.Value], plain.Template.Prefix);
        // Another source language gives other encoder inputs, so other K/V: the two must never share shards.
        Assert.NotEqual(plain.Fingerprint, model.Fingerprint);
    }

    [Fact]
    public async Task AnMBartLanguageTheTokenizerLacksKeepsTheModelUnloadedNamingTheField()
    {
        using var worker = new InferenceWorker(1, NullLogger<InferenceWorker>.Instance);
        using var host = Host(FamilyCheckpoints.Directory("mbart-tiny"), null, "xx_YY", worker);

        var error = await Assert.ThrowsAsync<ArgumentException>(host.GetAsync);

        Assert.Equal("tgt_lang", error.ParamName);
        Assert.False(host.IsLoaded);
    }

    private static ModelHost Host(string dir, string? source, string? target, InferenceWorker worker) =>
        new(Options.Create(new SummarizerOptions { ModelDirectory = dir, SourceLanguage = source, TargetLanguage = target }), worker, NullLogger<ModelHost>.Instance);
}
