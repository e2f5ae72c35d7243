namespace Keylime.Verifier.Api;

/// <summary>
/// A refusal a client caused: the HTTP status, Keylime's message and, for v3 (JSON:API), an error code
/// and a pointer to the offending attribute. Services return these as values; endpoints render them
/// as a v2 envelope or a JSON:API error document.
/// </summary>
public sealed record ApiFailure(int Status, string Message, string? Code = null, string? Pointer = null)
{
    public static ApiFailure BadRequest(string message, string? pointer = null) => new(400, message, "invalid_request", pointer);

    public static ApiFailure NotFound(string message) => new(404, message, "not_found");

    public static ApiFailure Conflict(string message) => new(409, message, "conflict");
}

/// <summary>Either a value or an <see cref="ApiFailure"/>.</summary>
public readonly record struct Outcome<T>
{
    private Outcome(T? value, ApiFailure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public ApiFailure? Failure { get; }

    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(ApiFailure failure) => new(default, failure);
}
