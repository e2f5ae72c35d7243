namespace Keylime.Shared.Configuration;

/// <summary>Option shapes shared by several components.</summary>
internal static class CommonOptions
{
    /// <summary><c>database_pool_sz_ovfl = 5,10</c>: connection pool size and overflow (non-SQLite databases).</summary>
    public static (int Size, int Overflow) Pool(ConfigSection s, int size, int overflow)
    {
        if (!s.Has("database_pool_sz_ovfl"))
        {
            return (size, overflow);
        }

        var parts = s.List("database_pool_sz_ovfl", []);
        if (parts.Count == 2 && ConfigValues.Int(parts[0]) is long a and >= 0 and <= int.MaxValue
            && ConfigValues.Int(parts[1]) is long b and >= 0 and <= int.MaxValue)
        {
            return ((int)a, (int)b);
        }

        throw s.Invalid("database_pool_sz_ovfl", "expected 'size,overflow', e.g. 5,10");
    }
}
