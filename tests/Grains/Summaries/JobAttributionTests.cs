using Summarizer.Contracts;
using Summarizer.Model.Attribution;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

/// <summary>Attribution through the client library: a job's sentences and spans are what the model core computes alone.</summary>
public sealed class JobAttributionTests : IAsyncLifetime
{
    private SummarizerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SummarizerCluster.StartAsync(silos: 1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AJobsAttributionThroughTheClientEqualsTheModelCoresForTheDocumentAsSent()
    {
        var text = "Ca\u0301fe\u0301 🙂\r\n" + TinyCheckpoint.Document(2500, 4000, "pep").Document.Replace("\n", "\r\n");
        var options = new SummaryRequestOptions { MaxNewTokens = 24, Beams = 2, Attribution = true, DecodeMode = DecodeMode.Local };

        var jobId = await _cluster.Client.SubmitAsync(text, options);
        var done = await _cluster.DoneAsync(jobId);
        var job = await _cluster.Client.GetAsync(jobId);

        using var model = SummarizationModel.Load(TinyCheckpoint.Directory);
        var shards = model.EncodeDocument("reference", model.TokenizeContent(DocumentKeys.Normalize(text)), new ShardingOptions(128, 31));
        var trace = new AttentionTrace(model.Template);
        var result = model.Generate(shards, new SummaryOptions { MaxNewTokens = 24, NumBeams = 2 }, attribution: trace);
        foreach (var s in shards) s.Dispose();
        var (summary, expected) = DocumentAttribution.Build(model.Tokenizer, text, DocumentKeys.Nfc, result, trace);

        Assert.Equal(SummaryEventKind.Done, done.Kind);
        Assert.Equal(result.GeneratedIds, done.TokenIds);
        Assert.Equal(summary, done.Text);
        Assert.Null(done.AttributionUnavailable);
        var sentences = done.Attribution!;
        Assert.Equal(expected.Count, sentences.Count);
        for (int i = 0; i < sentences.Count; i++)
        {
            Assert.Equal((expected[i].Sentence.Text, expected[i].Sentence.Start, expected[i].Sentence.End), (sentences[i].Text, sentences[i].Start, sentences[i].End));
            Assert.Equal(expected[i].Spans.Select(s => (s.Start, s.End)), sentences[i].Spans.Select(s => (s.Start, s.End)));
            Assert.All(expected[i].Spans.Zip(sentences[i].Spans), p => Assert.Equal(p.First.Weight, p.Second.Weight, 1e-4));
        }
        Assert.Contains(sentences, s => s.Spans.Count > 0);
        Assert.Equal(sentences, job!.Attribution!, new AttributedSentenceComparer());
    }

    private sealed class AttributedSentenceComparer : IEqualityComparer<AttributedSentence>
    {
        public bool Equals(AttributedSentence? x, AttributedSentence? y) =>
            x is not null && y is not null && x.Text == y.Text && x.Start == y.Start && x.End == y.End && x.Spans.SequenceEqual(y.Spans);

        public int GetHashCode(AttributedSentence obj) => HashCode.Combine(obj.Text, obj.Start, obj.End);
    }
}
