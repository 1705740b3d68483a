namespace Summarizer.Model.Tests.Tokenization;

internal static class TemporaryDirectory
{
    public static string Create(string purpose, string? under = null)
    {
        var path = Path.Combine(under ?? Path.GetTempPath(), $"summarizer-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
