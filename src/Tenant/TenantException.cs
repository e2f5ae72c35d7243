namespace Keylime.Tenant;

/// <summary>
/// A failure the tenant reports to its user: one line, no stack trace, exit code 1 (Keylime's
/// tenant turns its <c>UserError</c> into the same). Newlines in server texts are flattened so the
/// reason stays on one line.
/// </summary>
public sealed class TenantException : Exception
{
    public TenantException(string message)
        : base(message.ReplaceLineEndings(" "))
    {
    }

    public TenantException(string message, Exception inner)
        : base(message.ReplaceLineEndings(" "), inner)
    {
    }
}
