namespace Summarizer.Silo;

/// <summary>Builds the silo process's web application, shared by <c>Program</c> and tests that host it in-process.</summary>
public static class SummarizerApp
{
    /// <summary>
    /// Builds the app from command-line <paramref name="args"/> (for example <c>--urls</c> or
    /// <c>--Summarizer:ModelDirectory=...</c>) on top of appsettings and environment variables.
    /// </summary>
    public static WebApplication Build(string[] args) => Build(args, configure: null);

    /// <summary>
    /// As <see cref="Build(string[])"/>; <paramref name="configure"/> runs on the builder before the app is built (tests
    /// add a log capture this way).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        // The application name is pinned to this assembly so a host started from a test process resolves the same
        // configuration (user secrets, environment-specific settings) as the silo executable.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SummarizerApp).Assembly.GetName().Name,
        });
        builder.AddSummarizerSilo();
        builder.AddSummarizerTelemetry();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseSummarizerPage();
        app.MapSummarizerEndpoints();
        app.MapSummarizerTelemetry();
        return app;
    }
}
