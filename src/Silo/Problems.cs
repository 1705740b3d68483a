namespace Summarizer.Silo;

/// <summary>
/// RFC 7807 answers. Every client error names what is wrong in <c>detail</c>, and the request part at fault in
/// <c>field</c> (a JSON path such as <c>options.beams</c>, or a header name); option errors also carry <c>option</c>.
/// </summary>
internal static class Problems
{
    /// <summary>A problem with <paramref name="status"/>, a title and a detail, naming <paramref name="field"/> when given.</summary>
    public static IResult Of(int status, string title, string detail, string? field = null, IDictionary<string, object?>? extensions = null)
    {
        var all = extensions is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(extensions);
        if (field is not null) all["field"] = field;
        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: all);
    }

    /// <summary>A <c>400</c> for an out-of-range option, naming it as <c>option</c> and as the field <c>options.NAME</c>.</summary>
    public static IResult InvalidOption(string? option, string detail) =>
        Of(StatusCodes.Status400BadRequest, "Invalid options", detail, option is null ? null : "options." + option,
            option is null ? null : new Dictionary<string, object?> { ["option"] = option });
}
