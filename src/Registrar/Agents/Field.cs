namespace Keylime.Registrar.Agents;

/// <summary>
/// One request field as Keylime distinguishes it (spec/registrar.md §5.1): absent (keep the stored
/// value), present and null (set to null), or present with a value. A field that failed to decode
/// is present with <see cref="Error"/> set.
/// </summary>
public readonly record struct Field<T>(bool Present, T? Value, string? Error = null)
{
    public bool HasValue => Present && Value is not null && Error is null;
}

/// <summary>Constructors of <see cref="Field{T}"/>.</summary>
public static class Field
{
    public static Field<T> Null<T>() => new(true, default);

    public static Field<T> Of<T>(T value) => new(true, value);

    public static Field<T> Invalid<T>(string error) => new(true, default, error);
}
