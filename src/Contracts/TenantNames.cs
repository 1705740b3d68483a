using System.Text.RegularExpressions;

namespace Summarizer.Contracts;

/// <summary>
/// What a tenant name may be. Tenants are parts of grain keys (<c>tenant/hash/fingerprint</c>) and Redis keys, so a
/// name is 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit: no '/', ':' or space
/// that could split or forge a key.
/// </summary>
public static partial class TenantNames
{
    /// <summary>The longest tenant name.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule, as users are told it.</summary>
    public const string Rule = "1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>Whether <paramref name="tenant"/> is a valid tenant name.</summary>
    public static bool IsValid(string? tenant) => tenant is not null && Pattern().IsMatch(tenant);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="parameter"/> when the name is invalid.</summary>
    public static void Validate(string? tenant, string parameter = "tenant")
    {
        if (!IsValid(tenant))
            throw new ArgumentException($"Tenant name '{tenant}' is invalid: a tenant name is {Rule}.", parameter);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
