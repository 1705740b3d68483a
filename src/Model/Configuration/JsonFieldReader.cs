using System.Text.Json;
using Summarizer.Model.Checkpoints;

namespace Summarizer.Model.Configuration;

/// <summary>
/// Typed access to the top-level fields of a JSON configuration file. Every type error names the file and
/// field. A JSON <c>null</c> counts as absent, because Hugging Face writes unset options as <c>null</c>.
/// </summary>
internal sealed class JsonFieldReader
{
    private readonly JsonElement _root;

    private JsonFieldReader(JsonElement root, string path)
    {
        _root = root;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Parses <paramref name="json"/>; the returned reader owns a detached copy of the document.</summary>
    public static JsonFieldReader Parse(string json, string path)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"not valid JSON: {e.Message}", e);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, null, $"the top level must be a JSON object, found {root.ValueKind}.");
        }

        return new JsonFieldReader(root, path);
    }

    public static JsonFieldReader Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, null, $"cannot read the file: {e.Message}", e);
        }

        return Parse(json, path);
    }

    /// <summary>Whether <paramref name="field"/> has a non-null value.</summary>
    public bool Has(string field) => TryGet(field, out _);

    /// <summary>Whether <paramref name="field"/> is written at all; an explicit <c>null</c> counts, as it overrides a default.</summary>
    public bool IsPresent(string field) => _root.TryGetProperty(field, out _);

    public CheckpointException Error(string field, string problem) => new(Path, field, problem);

    public string? String(string field)
    {
        if (!TryGet(field, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Error(field, $"expected a string, found {value.GetRawText()}.");
    }

    /// <summary>A string inside nested objects (<c>task_specific_params.summarization.prefix</c>), or null when any level is absent.</summary>
    public string? NestedString(params string[] path)
    {
        if (!TryGet(path[0], out var value))
        {
            return null;
        }

        foreach (var name in path.Skip(1))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Error(string.Join('.', path), $"expected a string, found {value.GetRawText()}.");
    }

    public int? Int(string field)
    {
        if (!TryGet(field, out var value))
        {
            return null;
        }

        return ToInt(field, value);
    }

    public int RequiredInt(string field) =>
        Int(field) ?? throw Error(field, "is required but missing.");

    public bool? Bool(string field)
    {
        if (!TryGet(field, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(field, $"expected true or false, found {value.GetRawText()}."),
        };
    }

    public double? Double(string field)
    {
        if (!TryGet(field, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw Error(field, $"expected a finite number, found {value.GetRawText()}.");
        }

        return number;
    }

    /// <summary>Reads a field that Hugging Face allows to be either one integer or a list of them.</summary>
    public IReadOnlyList<int>? IntOrIntList(string field)
    {
        if (!TryGet(field, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return [ToInt(field, value)];
        }

        var list = value.EnumerateArray().Select(item => ToInt(field, item)).ToArray();
        return list.Length > 0 ? list : throw Error(field, "the list is empty.");
    }

    public EarlyStoppingMode? EarlyStopping(string field)
    {
        if (!TryGet(field, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => EarlyStoppingMode.WhenBeamsComplete,
            JsonValueKind.False => EarlyStoppingMode.Heuristic,
            JsonValueKind.String when value.GetString() == "never" => EarlyStoppingMode.Never,
            _ => throw Error(field, $"expected true, false or \"never\", found {value.GetRawText()}."),
        };
    }

    private int ToInt(string field, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Error(field, $"expected an integer, found {value.GetRawText()}.");

    private bool TryGet(string field, out JsonElement value) =>
        _root.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null;
}
