using System.Net.Http.Headers;
using System.Text;

namespace Summarizer.Silo.Tests;

/// <summary>One bad request and the answer it must get.</summary>
/// <param name="Name">What is wrong with it.</param>
/// <param name="Status">The status it must get (4xx).</param>
/// <param name="Field">The field the problem must name (its <c>field</c>), or null when the answer has no problem body naming one.</param>
/// <param name="Build">The request, given the id of a job that exists.</param>
public sealed record BadInput(string Name, int Status, string? Field, Func<string, HttpRequestMessage> Build);

/// <summary>
/// The bad-input campaign: every class of malformed or hostile request over HTTP, each with the answer it must get.
/// Body-level transport faults (broken chunking, short bodies) need raw sockets and are in <see cref="RequestBodyTests"/>.
/// </summary>
public static class BadInputs
{
    private static readonly string[] IntegerOptions = ["maxNewTokens", "minNewTokens", "beams", "noRepeatNgramSize", "topKShards", "shardLength", "shardOverlap"];

    /// <summary>Every case, by name.</summary>
    public static IReadOnlyDictionary<string, BadInput> All { get; } = Build().ToDictionary(c => c.Name);

    /// <summary>The case names, for theories.</summary>
    public static IEnumerable<object[]> Names => All.Keys.Select(n => new object[] { n });

    private static IEnumerable<BadInput> Build()
    {
        // Wrong JSON types for every option, numbers that do not fit, numbers as strings.
        foreach (var option in IntegerOptions)
            foreach (var (label, value) in new[] { ("a string", "\"4\""), ("true", "true"), ("an object", "{}"), ("an array", "[1]"), ("a fraction", "1.5"),
                         ("1e400", "1e400"), ("above Int32", "99999999999"), ("below Int32", "-99999999999") })
                yield return Json($"{option} as {label}", $"{{\"text\": \"A document.\", \"options\": {{\"{option}\": {value}}}}}", "options." + option);
        foreach (var (label, value) in new[] { ("\"NaN\"", "\"NaN\""), ("\"Infinity\"", "\"Infinity\""), ("a string", "\"1.0\""), ("true", "true"), ("an object", "{}"),
                     ("1e400 (infinite)", "1e400"), ("-1e400", "-1e400"), ("1e308", "1e308"), ("-11", "-11") })
            yield return Json($"lengthPenalty as {label}", $"{{\"text\": \"A document.\", \"options\": {{\"lengthPenalty\": {value}}}}}", "options.lengthPenalty");
        foreach (var literal in new[] { "NaN", "Infinity", "-Infinity" })
            yield return Json($"lengthPenalty as bare {literal} (not JSON)", $"{{\"text\": \"A document.\", \"options\": {{\"lengthPenalty\": {literal}}}}}", "(body)");
        foreach (var (label, value) in new[] { ("a number", "5"), ("true", "true"), ("an object", "{}"), ("an unknown mode", "\"sideways\""), ("empty", "\"\""), ("upper case", "\"LOCAL \"") })
            yield return Json($"decodeMode as {label}", $"{{\"text\": \"A document.\", \"options\": {{\"decodeMode\": {value}}}}}", "options.decodeMode");

        // Out-of-range values of every option (the tiny checkpoint positions 256 tokens; this silo cuts 128-token shards).
        foreach (var (option, value) in new[] { ("beams", "0"), ("beams", "-1"), ("beams", "1000000"), ("maxNewTokens", "0"), ("maxNewTokens", "-5"),
                     ("maxNewTokens", "2147483647"), ("maxNewTokens", "300"), ("minNewTokens", "-1"), ("noRepeatNgramSize", "-3"), ("noRepeatNgramSize", "1000"),
                     ("topKShards", "0"), ("topKShards", "-1"), ("shardLength", "0"), ("shardLength", "2"), ("shardLength", "-1"), ("shardLength", "257"),
                     ("shardLength", "100000"), ("shardOverlap", "-1"), ("shardOverlap", "1000"), ("shardOverlap", "64") })
            yield return Json($"{option} {value}", $"{{\"text\": \"A document.\", \"options\": {{\"{option}\": {value}}}}}", "options." + option);
        yield return Json("minNewTokens over maxNewTokens", """{"text": "A document.", "options": {"minNewTokens": 10, "maxNewTokens": 5}}""", "options.minNewTokens");
        yield return Json("shardOverlap over half of a chosen shardLength", """{"text": "A document.", "options": {"shardLength": 10, "shardOverlap": 5}}""", "options.shardOverlap");

        // The text field.
        foreach (var (label, value) in new[] { ("a number", "42"), ("true", "true"), ("an object", "{}"), ("an array", "[\"a\"]") })
            yield return Json($"text as {label}", $"{{\"text\": {value}}}", "text");
        foreach (var (label, value) in new[] { ("a lone high surrogate", "\\ud800"), ("a lone low surrogate", "\\udc00"), ("reversed surrogates", "\\udc00\\ud800"), ("a high surrogate at the end", "end\\udbff") })
            yield return Json($"text with {label} escape", $"{{\"text\": \"A document {value} here.\"}}", "text");
        yield return Json("options as an array", """{"text": "A document.", "options": [1]}""", "options");
        yield return Json("options as a string", """{"text": "A document.", "options": "fast"}""", "options");

        // Structure: duplicates, nesting, unknown fields, not an object, not JSON.
        yield return Json("text twice", """{"text": "One.", "text": "Two."}""", "text");
        yield return Json("text twice in different case", """{"text": "One.", "Text": "Two."}""", "Text");
        yield return Json("an option twice", """{"text": "A document.", "options": {"beams": 1, "beams": 4}}""", "options.beams");
        yield return Json("deeply nested root", new string('[', 5000) + new string(']', 5000), "(body)");
        yield return Json("deeply nested option", "{\"text\": \"A document.\", \"options\": {\"beams\": " + new string('[', 5000) + new string(']', 5000) + "}}", "options.beams");
        yield return Json("unknown top-level field", """{"text": "A document.", "priority": "high"}""", "priority");
        yield return Json("unknown option", """{"text": "A document.", "options": {"temperature": 0.7}}""", "options.temperature");
        yield return Json("root is an array", "[1, 2, 3]", "(body)");
        yield return Json("root is a string", "\"A document.\"", "(body)");
        yield return Json("root is a number", "42", "(body)");
        yield return Json("unterminated object", """{"text": "A document.""", "(body)");
        yield return Json("trailing garbage", """{"text": "A document."} and more""", "(body)");
        yield return Json("single quotes", "{'text': 'A document.'}", "(body)");
        yield return Json("a comment", "{\"text\": \"A document.\" /* why */}", "(body)");

        // Encodings and media types.
        yield return Raw("CESU-8 surrogate bytes", [.. "A document "u8.ToArray(), 0xED, 0xA0, 0x80, .. " here."u8.ToArray()], "text/plain", "(body)");
        yield return Raw("overlong UTF-8", [.. "A document "u8.ToArray(), 0xC0, 0xAF], "text/plain", "(body)");
        yield return Raw("charset iso-8859-1", "A document."u8.ToArray(), "text/plain; charset=iso-8859-1", "Content-Type", 415);
        yield return Raw("charset utf-16", "{\"text\": \"A document.\"}"u8.ToArray(), "application/json; charset=utf-16", "Content-Type", 415);
        yield return Raw("a media type with parameters only", "A document."u8.ToArray(), "; charset=utf-8", "Content-Type", 415);

        // Last-Event-ID that is no event id.
        foreach (var value in new[] { "abc", "-1", "99999999999999999999", "1.5", "0x10", "+1", "1e3", "", "1 2" })
            yield return new BadInput($"Last-Event-ID {value}", 400, "Last-Event-ID", id =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{id}/events");
                request.Headers.TryAddWithoutValidation("Last-Event-ID", value);
                return request;
            });
        yield return new BadInput("Last-Event-ID twice", 400, "Last-Event-ID", id =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{id}/events");
            request.Headers.TryAddWithoutValidation("Last-Event-ID", ["1", "2"]);
            return request;
        });

        // Ids that are no job ids.
        // Kestrel refuses a NUL in the path itself (400, before any route).
        yield return new BadInput("GET of id with a NUL", 400, null, _ => new HttpRequestMessage(HttpMethod.Get, "/v1/summaries/%00"));
        foreach (var (label, path) in new[] { ("a word", "not-a-job"), ("dot segments", "..%2F..%2Fetc%2Fpasswd"), ("upper-case hex", new string('A', 32)),
                     ("2000 characters", new string('a', 2000)), ("a key with slashes", "default%2F0000%2Ffingerprint"), ("unicode", "%E2%80%AE") })
        {
            yield return new BadInput($"GET of id {label}", 404, null, _ => new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{path}"));
            yield return new BadInput($"events of id {label}", 404, null, _ => new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{path}/events"));
            yield return new BadInput($"DELETE of id {label}", 404, null, _ => new HttpRequestMessage(HttpMethod.Delete, $"/v1/summaries/{path}"));
        }

        // Methods the routes do not have.
        yield return new BadInput("PUT of the collection", 405, null, _ => new HttpRequestMessage(HttpMethod.Put, "/v1/summaries") { Content = new StringContent("x") });
        yield return new BadInput("DELETE of the collection", 405, null, _ => new HttpRequestMessage(HttpMethod.Delete, "/v1/summaries"));
        yield return new BadInput("POST to a job", 405, null, id => new HttpRequestMessage(HttpMethod.Post, $"/v1/summaries/{id}") { Content = new StringContent("x") });
        yield return new BadInput("PATCH of a job", 405, null, id => new HttpRequestMessage(HttpMethod.Patch, $"/v1/summaries/{id}") { Content = new StringContent("x") });
        yield return new BadInput("POST to events", 405, null, id => new HttpRequestMessage(HttpMethod.Post, $"/v1/summaries/{id}/events") { Content = new StringContent("x") });

        // Oversized request heads.
        yield return new BadInput("a 64 KiB header", 431, null, _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/summaries/" + new string('0', 32));
            request.Headers.TryAddWithoutValidation("X-Padding", new string('x', 64 << 10));
            return request;
        });
        yield return new BadInput("a 16 KiB request line", 414, null, _ => new HttpRequestMessage(HttpMethod.Get, "/v1/summaries/" + new string('a', 16 << 10)));
        yield return new BadInput("a 16 KiB query string", 414, null, id => new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{id}?q=" + new string('q', 16 << 10)));
    }

    private static BadInput Json(string name, string body, string field, int status = 400) =>
        Raw(name, Encoding.UTF8.GetBytes(body), "application/json", field, status);

    private static BadInput Raw(string name, byte[] body, string contentType, string field, int status = 400) =>
        new(name, status, field, _ =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return new HttpRequestMessage(HttpMethod.Post, "/v1/summaries") { Content = content };
        });
}
