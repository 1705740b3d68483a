using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Summarizer.Silo.Security;

/// <summary>
/// Resolves the calling tenant of a <c>/v1</c> request from <c>Authorization: Bearer &lt;key&gt;</c> by comparing the
/// key's SHA-256 with the configured hashes in constant time. Requests that resolve to no tenant get <c>401</c>.
/// </summary>
public sealed class TenantResolver(IOptions<ApiAccessOptions> options)
{
    internal const string ItemKey = "summarizer.tenant";
    private readonly ApiAccessOptions _options = options.Value;

    /// <summary>The tenant this request was authenticated as (set by the middleware).</summary>
    public static string TenantOf(HttpContext http) => (string)http.Items[ItemKey]!;

    /// <summary>Middleware for <c>/v1</c>: resolves the tenant or answers 401 without reaching the endpoint.</summary>
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }
        var tenant = Resolve(http.Request.Headers.Authorization.ToString());
        if (tenant is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "Send a valid API key as 'Authorization: Bearer <key>'.").ExecuteAsync(http);
            return;
        }
        http.Items[ItemKey] = tenant;
        await next(http);
    }

    internal string? Resolve(string authorization)
    {
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return _options.AllowAnonymous && authorization.Length == 0 ? _options.AnonymousTenant : null;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        string? match = null;
        foreach (var key in _options.Keys)
        {
            // Every configured key is compared, in constant time, so timing tells nothing about which one matched.
            if (key.Sha256.Length == 64 && CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(key.Sha256)))
                match = key.Tenant;
        }
        return match;
    }
}
