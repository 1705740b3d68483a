using System.Diagnostics;
using Summarizer.Model.Configuration;
using Summarizer.Model.Tokenization;
using Summarizer.Model.Tokenization.SentencePiece;
using Summarizer.TestSupport;

namespace Summarizer.Model.Tests.Tokenization;

public sealed class SentencePieceTokenizerTests
{
    private static ModelConfig T5Config(int vocab) => ModelConfig.ForFamily("t5") with { VocabSize = vocab };

    private static ITextTokenizer Load(string dir, string modelType = "t5") =>
        TokenizerLoader.Load(dir, ModelConfig.Load(Path.Combine(dir, "config.json")) with { ModelType = modelType });

    [Fact]
    public async Task IdsEqualTheSentencePieceLibraryOnRealDocuments()
    {
        var dir = FamilyCheckpoints.Directory("t5-tiny");
        var tokenizer = Load(dir);
        var lines = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).Take(8)
            .SelectMany(d => d.Document.Split('\n')).Select(l => l.Trim()).Where(l => l.Length > 0).Take(400).ToList();
        lines.Add("The ﬁrst ﬂoor … Ｈｅｌｌｏ　world ½ é tab\there \u0007bell");

        var start = new ProcessStartInfo("spm_encode", [$"--model={Path.Combine(dir, "spiece.model")}", "--output_format=id"])
        { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        foreach (var line in lines) process.StandardInput.WriteLine(line);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        var expected = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(lines.Count, expected.Length);
        for (int i = 0; i < lines.Count; i++)
            Assert.Equal(expected[i], string.Join(" ", tokenizer.Encode(lines[i], addSpecialTokens: false)));
    }

    [Fact]
    public void UnigramTokenizerJsonGivesTheSameIdsAsTheSpieceModel()
    {
        using var copy = new Summarizer.Model.Tests.TestSupport.TemporaryDirectory();
        var dir = FamilyCheckpoints.Directory("flan-t5-tiny");
        foreach (var file in new[] { "config.json", "spiece.model", "tokenizer_config.json" }) File.Copy(Path.Combine(dir, file), copy.File(file));
        var fromJson = Load(dir);
        var fromModel = Load(copy.Path);
        var text = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).First().Document[..20_000] + " <extra_id_3> </s> ﬁ…";

        Assert.Equal(TokenizerKind.SentencePieceUnigram, fromJson.Kind);
        Assert.Equal(fromModel.Encode(text), fromJson.Encode(text));
        Assert.Equal(fromModel.VocabSize, fromJson.VocabSize);
        Assert.Equal(fromModel.TokenToId("<extra_id_0>"), fromJson.TokenToId("<extra_id_0>"));
    }

    [Fact]
    public void T5SentinelsRoundTripAndAreSkippedAsSpecialTokens()
    {
        var tokenizer = Load(FamilyCheckpoints.Directory("t5-tiny"));
        int pieces = tokenizer.VocabSize - 100;

        var ids = tokenizer.Encode("The meeting <extra_id_0> the budget <extra_id_99>.");

        Assert.Equal(pieces + 99, tokenizer.TokenToId("<extra_id_0>"));
        Assert.Equal(pieces, tokenizer.TokenToId("<extra_id_99>"));
        Assert.Contains(pieces + 99, ids);
        Assert.Equal(1, ids[^1]);   // T5 adds only </s>
                // Text after an added token is a new segment with its own ▁ (HF's legacy T5 behaviour), hence " .".
        Assert.Equal("The meeting<extra_id_0> the budget<extra_id_99> .</s>", tokenizer.Decode(ids, skipSpecialTokens: false));
        Assert.Equal("The meeting the budget .", tokenizer.Decode(ids));
    }

    [Fact]
    public void NonLatinTextRoundTripsThroughAnMT5StyleTokenizerAndStreamsCharactersSpanningPieces()
    {
        using var dir = new Summarizer.Model.Tests.TestSupport.TemporaryDirectory();
        string[] texts =
        [
            "Москва — столица России, крупнейший по численности населения город страны.",
            "東京は日本の首都です。人口は約千四百万人で、世界有数の大都市である。",
            "مرحبا بكم في الاجتماع. سنناقش الميزانية والخطة للعام القادم.",
            "भारत एक विशाल देश है। यहाँ अनेक भाषाएँ बोली जाती हैं।",
            "한국어 텍스트와 English words mixed together, with numbers 12345. 👩‍💻",
        ];
        SentencePieceTrainer.Train(Enumerable.Repeat(texts, 30).SelectMany(t => t), dir.File("spiece.model"), 400, bpe: false,
            new SentencePieceTrainer.SpecialIds(2, -1, 1, 0), characterCoverage: 1.0);
        var tokenizer = TokenizerLoader.Load(dir.Path, ModelConfig.ForFamily("mt5") with { VocabSize = 1024 });

        foreach (var text in texts)
        {
            var ids = tokenizer.Encode(text);
            Assert.Equal(text, tokenizer.Decode(ids));
            var stream = tokenizer.CreateStreamingDecoder();
            Assert.Equal(text, string.Concat(ids.Select(stream.Append).Append(stream.Flush())));
        }
        // A character the pieces split (a ZWJ emoji sequence, a Devanagari conjunct) still streams to the same text.
        var parts = tokenizer.Encode("👩‍💻 भाषाएँ", addSpecialTokens: false);
        Assert.True(parts.Count > 2);
        var streamed = tokenizer.CreateStreamingDecoder();
        Assert.Equal("👩‍💻 भाषाएँ", string.Concat(parts.Select(streamed.Append)));
    }

    [Fact]
    public void AByteFallbackModelIsRefusedNamingTheFile()
    {
        using var dir = new Summarizer.Model.Tests.TestSupport.TemporaryDirectory();
        SentencePieceTrainer.Train(["some text for a byte fallback model", "more text here"], dir.File("spiece.model"), 300, bpe: false,
            new SentencePieceTrainer.SpecialIds(2, -1, 1, 0), byteFallback: true);

        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(dir.Path, ModelConfig.ForFamily("t5") with { VocabSize = 400 }));

        Assert.Contains("byte_fallback", error.Message);
        Assert.Contains("spiece.model", error.Message);
    }

    [Fact]
    public void PegasusIdsAreShiftedBy103BehindItsMaskAndUnkTokens()
    {
        var tokenizer = Load(FamilyCheckpoints.Directory("pegasus-tiny"), "pegasus");

        Assert.Equal([0, 1, 2, 3, 4, 104], new[] { "<pad>", "</s>", "<mask_1>", "<mask_2>", "<unk_2>", "<unk_102>" }.Select(t => tokenizer.TokenToId(t)!.Value));
        Assert.Equal(105, ((SentencePieceTextTokenizer)tokenizer).UnkTokenId);
        var ids = tokenizer.Encode("the budget <mask_1> meeting");
        Assert.All(ids.Where(id => id != 2 && id != 1), id => Assert.True(id > 105));
        Assert.Equal("the budget<mask_1> meeting</s>", tokenizer.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void MBartFiftyPutsTheSourceLanguageFirstAndShiftsPiecesByOne()
    {
        var tokenizer = Load(FamilyCheckpoints.Directory("mbart-tiny"), "mbart");

        var ids = tokenizer.Encode("the budget");

        Assert.Equal(TokenizerKind.SentencePieceBpe, tokenizer.Kind);
        Assert.Equal([0, 1, 2, 3], new[] { "<s>", "<pad>", "</s>", "<unk>" }.Select(t => tokenizer.TokenToId(t)!.Value));
        Assert.Equal(tokenizer.TokenToId("en_XX"), ids[0]);
        Assert.Equal(2, ids[^1]);
        Assert.Equal("the budget", tokenizer.Decode(ids));
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.TokenToId("<mask>"));
    }
}
