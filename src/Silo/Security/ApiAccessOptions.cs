namespace Summarizer.Silo.Security;

/// <summary>
/// Who may call <c>/v1</c>, bound from <c>Summarizer:Api</c>. Keys are configured per tenant as the hex SHA-256 of
/// the key, so the configuration (and a leaked config map) never holds a usable secret. Anonymous access exists only
/// when <see cref="AllowAnonymous"/> is set.
/// </summary>
public sealed class ApiAccessOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Summarizer:Api";

    /// <summary>Accept requests without a key, as <see cref="AnonymousTenant"/>. Off unless explicitly enabled.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>The tenant anonymous requests belong to.</summary>
    public string AnonymousTenant { get; set; } = "default";

    /// <summary>Tenants and the SHA-256 (hex) of their API keys; a tenant may have several keys (rotation).</summary>
    public List<TenantKey> Keys { get; set; } = [];

    /// <summary>
    /// Tenants whose keys may read operator endpoints (<c>GET /v1/diagnostics</c>). Anonymous callers never may, even
    /// when the anonymous tenant is listed.
    /// </summary>
    public List<string> AdminTenants { get; set; } = [];

    /// <summary>
    /// Whether the request, authenticated as <paramref name="tenant"/>, may read operator endpoints: only with a key
    /// that matched, never anonymously (whatever its Authorization header held).
    /// </summary>
    public bool IsAdmin(string tenant, HttpContext http) =>
        TenantResolver.HasKey(http) && AdminTenants.Contains(tenant, StringComparer.Ordinal);

    /// <summary>Requests per minute per tenant before <c>429</c>.</summary>
    public int RequestsPerMinute { get; set; } = 600;
}

/// <summary>One API key of a tenant, stored hashed.</summary>
public sealed class TenantKey
{
    /// <summary>The tenant the key belongs to.</summary>
    public string Tenant { get; set; } = "";

    /// <summary>Hex SHA-256 of the key (e.g. <c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = "";
}
