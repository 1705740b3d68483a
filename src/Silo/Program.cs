using Summarizer.Silo;

SummarizerApp.Build(args).Run();

/// <summary>Entry point, visible to tests that host the app.</summary>
public partial class Program;
