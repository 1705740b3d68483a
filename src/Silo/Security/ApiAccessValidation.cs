using Microsoft.Extensions.Options;
using Summarizer.Contracts;

namespace Summarizer.Silo.Security;

/// <summary>
/// Checks <see cref="ApiAccessOptions"/> when the silo starts, so a tenant name that would break keys (one with
/// '/'), or a key hash that could never match, stops the start with a message naming the setting instead of failing
/// every job of that tenant later.
/// </summary>
internal sealed class ApiAccessValidation : IValidateOptions<ApiAccessOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiAccessOptions options)
    {
        var errors = new List<string>();
        void Tenant(string? tenant, string setting)
        {
            if (!TenantNames.IsValid(tenant))
                errors.Add($"{ApiAccessOptions.Section}:{setting} '{tenant}' is not a valid tenant name: a tenant name is {TenantNames.Rule}.");
        }
        Tenant(options.AnonymousTenant, nameof(options.AnonymousTenant));
        for (int i = 0; i < options.Keys.Count; i++)
        {
            Tenant(options.Keys[i].Tenant, $"Keys:{i}:Tenant");
            var hash = options.Keys[i].Sha256;
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
                errors.Add($"{ApiAccessOptions.Section}:Keys:{i}:Sha256 must be the 64 hex digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum).");
        }
        for (int i = 0; i < options.AdminTenants.Count; i++) Tenant(options.AdminTenants[i], $"AdminTenants:{i}");
        if (options.RequestsPerMinute < 1) errors.Add($"{ApiAccessOptions.Section}:RequestsPerMinute must be at least 1; got {options.RequestsPerMinute}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
