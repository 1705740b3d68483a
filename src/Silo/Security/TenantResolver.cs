using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Summarizer.Silo.Security;

/// <summary>
/// Resolves the calling tenant of a <c>/v1</c> request from <c>Authorization: Bearer &lt;key&gt;</c> by comparing the
/// key's SHA-256 with the configured hashes in constant time. A well-formed key that matches no tenant gets
/// <c>401</c>. A request without a key, and one whose header carries no usable key (empty, another scheme, a bare
/// "Bearer", several headers), is anonymous: accepted as the anonymous tenant when that is allowed, <c>401</c>
/// otherwise, and never an admin.
/// </summary>
public sealed partial class TenantResolver(IOptions<ApiAccessOptions> options)
{
    internal const string ItemKey = "summarizer.tenant";
    private readonly ApiAccessOptions _options = options.Value;

    /// <summary>The tenant this request was authenticated as (set by the middleware).</summary>
    public static string TenantOf(HttpContext http) => (string)http.Items[ItemKey]!;

    /// <summary>
    /// Whether the request presents a well-formed key (so a tenant resolved for it is that key's, never the anonymous
    /// one: a well-formed key that matches nothing is refused).
    /// </summary>
    public static bool HasKey(HttpContext http) => PresentedKey(http.Request.Headers.Authorization) is not null;

    /// <summary>Middleware for <c>/v1</c>: resolves the tenant or answers 401 without reaching the endpoint.</summary>
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }
        var tenant = Resolve(http.Request.Headers.Authorization);
        if (tenant is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "Send a valid API key as 'Authorization: Bearer <key>'.",
                extensions: new Dictionary<string, object?> { ["field"] = "Authorization" }).ExecuteAsync(http);
            return;
        }
        http.Items[ItemKey] = tenant;
        await next(http);
    }

    /// <summary>
    /// The tenant of <paramref name="authorization"/>: a well-formed key's tenant (null when it matches none), else the
    /// anonymous tenant when anonymous access is allowed (null when not).
    /// </summary>
    internal string? Resolve(Microsoft.Extensions.Primitives.StringValues authorization)
    {
        var key = PresentedKey(authorization);
        return key is null ? (_options.AllowAnonymous ? _options.AnonymousTenant : null) : Match(key);
    }

    /// <summary>
    /// The key of a single well-formed <c>Bearer</c> header (its credential a token68: letters, digits and
    /// <c>-._~+/</c>, then any '='), or null when there is none.
    /// </summary>
    private static string? PresentedKey(Microsoft.Extensions.Primitives.StringValues headers)
    {
        if (headers.Count != 1) return null;
        var value = headers[0]?.Trim() ?? "";
        const string scheme = "Bearer ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var key = value[scheme.Length..].Trim();
        return Token68().IsMatch(key) ? key : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9\-._~+/]+=*\z")]
    private static partial System.Text.RegularExpressions.Regex Token68();

    private string? Match(string key)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? match = null;
        foreach (var configured in _options.Keys)
        {
            // Every configured key is compared, in constant time, so timing tells nothing about which one matched.
            if (configured.Sha256.Length == 64 && CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(configured.Sha256)))
                match = configured.Tenant;
        }
        return match;
    }
}
