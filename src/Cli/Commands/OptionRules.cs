using System.CommandLine;

namespace Summarizer.Cli.Commands;

/// <summary>Range checks on numeric options, reported as parse errors that name the option.</summary>
internal static class OptionRules
{
    /// <summary>Rejects values of <paramref name="option"/> below <paramref name="minimum"/>.</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            // Read the token, not the converted value: a value that is not a number already has its own parse error.
            if (result.Tokens is [var token] && int.TryParse(token.Value, out var value) && value < minimum)
                result.AddError($"{option.Name} must be at least {minimum}; got {value}.");
        });
        return option;
    }
}
