using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Summarizer.Contracts;

namespace Summarizer.Silo.Submissions;

/// <summary>A submission as read from the request: the document and its options, not yet checked against the model.</summary>
internal sealed record Submission(string Text, SummaryRequestOptions Options);

/// <summary>
/// Reads <c>POST /v1/summaries</c>: media type and charset, the body (malformed chunking, a body shorter than its
/// Content-Length or over the byte limit), UTF-8, JSON, and the text itself. Every refusal is a problem naming the
/// field; a client that has gone away gets nothing.
/// </summary>
internal static class SubmissionReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The submission, or the problem that answers the request instead (null when the client is gone).</summary>
    public static async Task<(Submission? Submission, IResult? Problem)> ReadAsync(HttpContext http)
    {
        var request = http.Request;
        var contentType = request.ContentType;
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/json" or "text/plain"))
            return Refuse(Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the document as application/json {{\"text\": ..., \"options\": ...}} or text/plain; got Content-Type '{contentType ?? "none"}'.", "Content-Type"));
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.Charset.HasValue
            && parsed.Charset.ToString().Trim('"') is var charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
            return Refuse(Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported charset",
                $"Documents are read as UTF-8; got Content-Type charset '{charset}'.", "Content-Type"));

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, http.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            // Invariant digits: clients parse the limit out of the detail, whatever the server's culture.
            return Refuse(Problems.Of(StatusCodes.Status413PayloadTooLarge, "Document too large",
                $"The request body exceeds the limit of {limit?.ToString(CultureInfo.InvariantCulture) ?? "?"} bytes (Summarizer:MaxRequestBytes).", "(body)"));
        }
        catch (BadHttpRequestException e)
        {
            // Malformed chunked encoding, a body that ended before its Content-Length, a body too slow to arrive.
            return Refuse(Problems.Of(e.StatusCode is >= 400 and < 500 ? e.StatusCode : StatusCodes.Status400BadRequest, "Malformed request body",
                $"The request body could not be read: {e.Message}", "(body)"));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            if (http.RequestAborted.IsCancellationRequested)
            {
                http.Abort(); // The client went away mid-upload; there is no one to answer.
                return (null, null);
            }
            // The transport gave up on the body (an unparsable chunk size, for one) but the connection is still there.
            return Refuse(Problems.Of(StatusCodes.Status400BadRequest, "Malformed request body",
                "The request body could not be read: its framing (chunked encoding or Content-Length) is malformed.", "(body)"));
        }

        string text;
        // A UTF-8 byte order mark is a signature, not content: the same file with or without one is one document.
        try { text = StrictUtf8.GetString(body.AsSpan(body.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0)); }
        catch (DecoderFallbackException)
        {
            return Refuse(Problems.Of(StatusCodes.Status400BadRequest, "Invalid encoding", "The body is not valid UTF-8.", mediaType == "text/plain" ? "(body)" : "text"));
        }

        var options = new SummaryRequestOptions();
        if (mediaType == "application/json")
        {
            SummaryEndpoints.SubmitBody? json;
            try { json = JsonSerializer.Deserialize<SummaryEndpoints.SubmitBody>(text, SummaryEndpoints.Json); }
            catch (JsonException e)
            {
                var (field, detail) = JsonErrors.Describe(e);
                return Refuse(Problems.Of(StatusCodes.Status400BadRequest, "Malformed JSON", detail, field));
            }
            text = json?.Text ?? "";
            options = json?.Options ?? options;
        }

        var textField = mediaType == "application/json" ? "text" : "(body)";
        if (string.IsNullOrWhiteSpace(text))
            return Refuse(Problems.Of(StatusCodes.Status400BadRequest, "Empty document", "The document is empty or whitespace only.", textField));
        if (text.Contains('\0'))
            return Refuse(Problems.Of(StatusCodes.Status400BadRequest, "Binary content", "The document contains NUL bytes; send text.", textField));
        try { DocumentKeys.ValidateText(text); }
        catch (ArgumentException e)
        {
            return Refuse(Problems.Of(StatusCodes.Status400BadRequest, "Invalid text", e.Message.Split(" (Parameter")[0], textField));
        }
        return (new Submission(text, options), null);
    }

    private static (Submission?, IResult?) Refuse(IResult problem) => (null, problem);
}
