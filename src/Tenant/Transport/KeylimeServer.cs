namespace Keylime.Tenant.Transport;

/// <summary>A server the tenant talks to, named as Keylime's messages name it ("Verifier (ip:port)").</summary>
public sealed record KeylimeServer(string Name, string Host, string Port)
{
    /// <summary>E.g. <c>Verifier (127.0.0.1:8881)</c> — the form used in every message and failure line.</summary>
    public string Display => $"{Name} ({Host}:{Port})";

    /// <summary>Always HTTPS: the tenant never uses the registrar's plain-HTTP port.</summary>
    public Uri BaseUri => new($"https://{(Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('[') ? $"[{Host}]" : Host)}:{Port}");
}
