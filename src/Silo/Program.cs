using Summarizer.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddSummarizerSilo();

var app = builder.Build();
app.MapSummarizerEndpoints();
app.Run();

/// <summary>Entry point, visible to tests that host the app.</summary>
public partial class Program;
