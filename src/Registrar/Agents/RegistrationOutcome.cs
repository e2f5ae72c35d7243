namespace Keylime.Registrar.Agents;

/// <summary>What a registration attempt came to; the endpoint maps each case to Keylime's status and text.</summary>
public abstract record RegistrationOutcome
{
    private RegistrationOutcome()
    {
    }

    /// <summary>200: the MakeCredential blob (base64) the agent must activate.</summary>
    public sealed record Challenged(string Blob) : RegistrationOutcome;

    /// <summary>400: a field is missing or invalid; <see cref="Reasons"/> are logged, not returned (as Keylime).</summary>
    public sealed record Invalid(IReadOnlyList<string> Reasons) : RegistrationOutcome;

    /// <summary>403: the request changes the EK, EK certificate or AK of a stored agent.</summary>
    public sealed record IdentityChanged : RegistrationOutcome;

    /// <summary>403: another registration of this ID won the race to the database.</summary>
    public sealed record Conflict : RegistrationOutcome;
}
