using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

public sealed class LongDocumentCorpusTests
{
    [Fact]
    public void DevFileYieldsCompleteRecords()
    {
        var path = TestCorpus.DevPath();
        if (path is null)
        {
            return; // The shared data is not part of every checkout.
        }

        var records = LongDocumentCorpus.Read(path).Take(3).ToList();

        Assert.Equal(3, records.Count);
        Assert.All(records, record =>
        {
            Assert.False(string.IsNullOrEmpty(record.Id));
            Assert.Equal("dev", record.Split);
            Assert.True(record.Words >= 800);
            Assert.False(string.IsNullOrEmpty(record.Document));
            Assert.False(string.IsNullOrEmpty(record.Summary));
        });
    }

    [Fact]
    public void FindDirectoryReturnsNullWhenNoAncestorHoldsSharedData()
    {
        // Not under the temp directory: a checkout cloned into /tmp has its shared data at /tmp/shared, an ancestor of
        // every temp directory. /dev/shm's ancestors are /dev and / only.
        var directory = TemporaryDirectory.Create("no-shared", Directory.Exists("/dev/shm") ? "/dev/shm" : null);
        try
        {
            Assert.Null(LongDocumentCorpus.FindDirectory(directory));
        }
        finally
        {
            TemporaryDirectory.Delete(directory);
        }
    }

    [Fact]
    public void FindDirectoryWalksUpFromANestedDirectory()
    {
        var root = TemporaryDirectory.Create("with-shared");
        try
        {
            var data = Directory.CreateDirectory(Path.Combine(root, "shared", "data", "long-docs")).FullName;
            var nested = Directory.CreateDirectory(Path.Combine(root, "repo", "tests", "bin")).FullName;

            Assert.Equal(data, LongDocumentCorpus.FindDirectory(nested));
        }
        finally
        {
            TemporaryDirectory.Delete(root);
        }
    }

    [Fact]
    public void MissingFileErrorNamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.jsonl.gz");

        var error = Assert.Throws<FileNotFoundException>(() => LongDocumentCorpus.Read(path));

        Assert.Contains(path, error.Message);
    }
}
