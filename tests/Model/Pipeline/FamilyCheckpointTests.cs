using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Tests.TestSupport;
using Summarizer.TestSupport;

namespace Summarizer.Model.Tests.Pipeline;

/// <summary>Each family's random checkpoint, loaded from disk as a user's would be: layout, templates and generate() rules.</summary>
public sealed class FamilyCheckpointTests
{
    public static readonly TheoryData<string> Families = new() { "tiny", "t5-tiny", "flan-t5-tiny", "pegasus-tiny", "mbart-tiny" };

    private static string Copy(string preset, TemporaryDirectory into)
    {
        var source = FamilyCheckpoints.Directory(preset);
        foreach (var file in System.IO.Directory.GetFiles(source)) File.Copy(file, into.File(Path.GetFileName(file)));
        return into.Path;
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void EachFamilyLoadsFromItsHuggingFaceLayoutAndSummarizesAcrossShards(string preset)
    {
        using var model = SummarizationModel.Load(FamilyCheckpoints.Directory(preset));
        var text = string.Join("\n", Summarizer.Model.Tokenization.LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).First().Document.Split('\n').Take(60));
        var ids = model.TokenizeContent(text);
        var shards = model.EncodeDocument("d", ids, new ShardingOptions(96, 8));

        var result = model.Generate(shards, new SummaryOptions { MaxNewTokens = 8, NumBeams = 2 });

        Assert.True(shards.Count > 3);
        Assert.InRange(result.GeneratedIds.Count, 1, 8);
        Assert.NotNull(model.Tokenizer.Decode(result.GeneratedIds));
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [InlineData("tiny", "<s>", "</s>")]
    [InlineData("t5-tiny", "summarize:", "</s>")]
    [InlineData("pegasus-tiny", "", "</s>")]
    [InlineData("mbart-tiny", "en_XX", "</s>")]
    public void EncoderInputsFollowEachTokenizersTemplate(string preset, string prefix, string suffix)
    {
        using var model = SummarizationModel.Load(FamilyCheckpoints.Directory(preset));
        string Text(IReadOnlyList<int> ids) => model.Tokenizer.Decode(ids, skipSpecialTokens: false);

        Assert.Equal(prefix, Text(model.Template.Prefix));
        Assert.Equal(suffix, Text(model.Template.Suffix));
        // The tokenizer's own template: BART wraps in <s>..</s>; PEGASUS and T5 add only </s>; mBART-50 adds [en_XX]..</s>.
        var encoded = model.Tokenizer.Encode("hello");
        Assert.Equal(model.Tokenizer.EosTokenId, encoded[^1]);
        Assert.Equal(preset is "tiny" or "mbart-tiny", model.Tokenizer.Template.Prefix.Count == 1);
    }

    [Fact]
    public void MaxNewTokensInGenerationConfigWinsOverMaxLength()
    {
        using var dir = new TemporaryDirectory();
        Copy("t5-tiny", dir);
        File.WriteAllText(dir.File("generation_config.json"), """{ "decoder_start_token_id": 0, "eos_token_id": 1, "max_length": 50, "max_new_tokens": 7 }""");
        using var model = SummarizationModel.Load(dir.Path);

        Assert.Equal(8, model.ResolveSettings(new SummaryOptions()).MaxLength);
        Assert.Equal(4, model.ResolveSettings(new SummaryOptions { MaxNewTokens = 3 }).MaxLength);
    }

    [Fact]
    public void AnUntouchedMaxLengthOf20MeansTwentyNewTokens()
    {
        using var model = SummarizationModel.Load(FamilyCheckpoints.Directory("t5-tiny"));

        Assert.Equal(20, model.Generation.MaxLength);
        Assert.Equal(21, model.ResolveSettings(new SummaryOptions()).MaxLength);
    }

    [Fact]
    public void GenerationConfigJsonIsUsedAloneAndTheDecoderStartFallsBackToItsBosToken()
    {
        using var dir = new TemporaryDirectory();
        Copy("mbart-tiny", dir);
        File.WriteAllText(dir.File("generation_config.json"), """{ "bos_token_id": 0, "num_beams": 1 }""");
        using var model = SummarizationModel.Load(dir.Path);

        var settings = model.ResolveSettings(new SummaryOptions());

        Assert.Equal(0, settings.DecoderStartTokenId);      // config.json says 2; the file's bos wins
        Assert.Empty(settings.EosTokenIds);                 // no eos in the file: only the length ends a sequence
        Assert.Empty(settings.ForcedEosTokenIds);           // config.json's forced_eos_token_id 2 is not consulted
        File.WriteAllText(dir.File("generation_config.json"), """{ "num_beams": 1 }""");
        var error = Assert.Throws<CheckpointException>(() => SummarizationModel.Load(dir.Path));
        Assert.Equal("decoder_start_token_id", error.Field);
    }

    [Fact]
    public void AGenerationMayReachThePositionLimitButNotPassIt()
    {
        using var model = SummarizationModel.Load(FamilyCheckpoints.Directory("pegasus-tiny"));   // 256 positions

        Assert.Equal(257, model.ResolveSettings(new SummaryOptions { MaxNewTokens = 256 }).MaxLength);
        var error = Assert.Throws<ArgumentException>(() => model.ResolveSettings(new SummaryOptions { MaxNewTokens = 257 }));
        Assert.Equal("maxNewTokens", error.ParamName);
        using var t5 = SummarizationModel.Load(FamilyCheckpoints.Directory("t5-tiny"));   // relative positions: no limit
        Assert.Equal(4097, t5.ResolveSettings(new SummaryOptions { MaxNewTokens = 4096 }).MaxLength);
    }

    [Fact]
    public void MBartTargetLanguageIsForcedAsTheFirstGeneratedToken()
    {
        using var dir = new TemporaryDirectory();
        Copy("mbart-tiny", dir);
        using var model = SummarizationModel.Load(dir.Path, tokenizerOptions: new Summarizer.Model.Tokenization.SentencePiece.TokenizerOptions("de_DE", "fr_XX"));

        Assert.Equal(model.Tokenizer.TokenToId("fr_XX"), model.ResolveSettings(new SummaryOptions()).ForcedBosTokenId);
        Assert.Equal([model.Tokenizer.TokenToId("de_DE")!.Value], model.Template.Prefix);
        var error = Assert.Throws<ArgumentException>(() => SummarizationModel.Load(dir.Path, tokenizerOptions: new("xx_YY")));
        Assert.Equal("src_lang", error.ParamName);
    }

    [Fact]
    public void PaddedEmbeddingsAreAcceptedAndTheirIdsDecodeToNothing()
    {
        using var model = SummarizationModel.Load(FamilyCheckpoints.Directory("t5-tiny"));

        Assert.True(model.Config.VocabSize > model.Tokenizer.VocabSize);
        Assert.Equal("", model.Tokenizer.Decode([model.Config.VocabSize - 1]));
        var stream = model.Tokenizer.CreateStreamingDecoder();
        Assert.Equal("", stream.Append(model.Config.VocabSize - 1));
    }

    [Fact]
    public void ATokenizerThatDoesNotMatchVocabSizeIsNamed()
    {
        using var dir = new TemporaryDirectory();
        Copy("t5-tiny", dir);
        var config = ModelConfig.Load(dir.File("config.json"));
        File.WriteAllText(dir.File("config.json"), (config with { VocabSize = config.VocabSize + 512 }).ToJson());

        var error = Assert.Throws<CheckpointException>(() => SummarizationModel.Load(dir.Path));

        Assert.Equal("vocab_size", error.Field);
        Assert.Contains("not padding", error.Message);
    }

    [Fact]
    public void ASentencePieceFileThatIsNotAModelIsNamed()
    {
        using var dir = new TemporaryDirectory();
        Copy("pegasus-tiny", dir);
        File.WriteAllText(dir.File("spiece.model"), "this is not a protobuf model at all \u0001\u0002");

        var error = Assert.ThrowsAny<InvalidDataException>(() => SummarizationModel.Load(dir.Path));

        Assert.Contains("spiece.model", error.Message);
        Assert.Contains("not a SentencePiece model", error.Message);
    }

    [Fact]
    public void RandomT5CheckpointIsDeterministicForASeed()
    {
        using var a = new TemporaryDirectory();
        using var b = new TemporaryDirectory();
        var corpus = Summarizer.Model.Tokenization.LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "train.jsonl.gz")).Take(5).Select(d => d.Document).ToList();
        RandomCheckpoint.Write(Path.Combine(a.Path, "m"), RandomCheckpoint.Preset.FlanT5Tiny, 9, corpus);
        RandomCheckpoint.Write(Path.Combine(b.Path, "m"), RandomCheckpoint.Preset.FlanT5Tiny, 9, corpus);

        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(a.Path, "m")).Select(Path.GetFileName))
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, "m", file!)), File.ReadAllBytes(Path.Combine(b.Path, "m", file!)));
    }
}
