using System.CommandLine;
using System.Text;
using Microsoft.Extensions.Options;

namespace Summarizer.Cli.Commands;

/// <summary>
/// Parses and runs a command so that every failure ends as one <c>summarizer: error: ...</c> line on stderr and a
/// non-zero exit code: users see what was wrong, not a stack trace (set <c>SUMMARIZER_DEBUG=1</c> for one).
/// </summary>
internal static class CliInvocation
{
    /// <summary>Exit code for bad arguments or input.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a failure while running (model, silo, gateway, job).</summary>
    public const int RunError = 1;

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine's default prints the whole help after the errors; one line per error is clearer.
            foreach (var error in parse.Errors) Error(error.Message);
            Console.Error.WriteLine("Run 'summarizer --help' for usage.");
            return UsageError;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("SUMMARIZER_DEBUG") is null or "" or "0")
        {
            Error(Describe(e));
            return e is CliException or FileNotFoundException or DirectoryNotFoundException or DecoderFallbackException ? UsageError : RunError;
        }
    }

    /// <summary>Writes one error line to stderr.</summary>
    public static void Error(string message) => Console.Error.WriteLine("summarizer: error: " + OneLine(message));

    /// <summary>The first line of a message.</summary>
    public static string OneLine(string message) => message.Split('\n', 2)[0].TrimEnd('\r').Trim();

    private static string Describe(Exception e) => e switch
    {
        OptionsValidationException v => string.Join(" ", v.Failures),
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        CliException or FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException
            or ArgumentException or InvalidDataException or InvalidOperationException or HttpRequestException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
