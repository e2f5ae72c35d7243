namespace Keylime.Shared.MeasuredBoot;

/// <summary>The example policy's checks of Secure Boot variables on PCR 7 (spec §3.5).</summary>
internal sealed class ExampleVariableChecks(ExampleRefState state, Func<string, string?> once)
{
    private static readonly Guid Global = UefiEventData.EfiGlobalVariable;
    private static readonly Guid SecurityDb = UefiEventData.ImageSecurityDatabase;
    private static readonly Guid Shim = UefiEventData.ShimLock;

    /// <summary>EV_EFI_VARIABLE_DRIVER_CONFIG: SecureBoot, PK, KEK, db, vendor_db, dbx; anything else fails.</summary>
    public string? DriverConfig(UefiVariable v)
    {
        if (v.VariableName == Global && v.UnicodeName == "SecureBoot")
        {
            var expected = state.HasSecureBoot ? "Yes" : "No";
            return v.Enabled == expected ? null : $"SecureBoot Enabled is {v.Enabled}, expected {expected}";
        }

        return (v.VariableName == Global, v.VariableName == SecurityDb, v.UnicodeName) switch
        {
            (true, _, "PK") => once("7/PK") ?? Subset(v, state.Pk, [UefiEventData.CertX509]),
            (true, _, "KEK") => once("7/KEK") ?? Subset(v, state.Kek, [UefiEventData.CertX509]),
            (_, true, "db") => once("7/db") ?? Subset(v, state.Db, [UefiEventData.CertX509, UefiEventData.CertSha256]),
            (_, true, "vendor_db") => once("7/vendor_db") ?? Subset(v, state.VendorDb, [UefiEventData.CertX509, UefiEventData.CertSha256]),
            (_, true, "dbx") => once("7/dbx") ?? Superset(v, state.Dbx),
            _ => $"has unexpected ('VariableName', 'UnicodeName') combination ('{v.VariableName}', '{v.UnicodeName}')",
        };
    }

    /// <summary>EV_EFI_VARIABLE_AUTHORITY: the certificates that verified loaded images.</summary>
    public string? Authority(UefiVariable v) => (v.VariableName == SecurityDb, v.VariableName == Shim, v.UnicodeName) switch
    {
        (true, _, "db") => once("7a/db"),
        (true, _, "vendor_db") => once("7a/vendor_db") ?? VendorDbAuthority(v),
        (_, true, "SbatLevel") => once("7a/SbatLevel"),
        (_, true, "Shim") => once("7a/Shim"),
        (_, true, "MokListRT") => once("7a/MokListRT"),
        (_, true, "MokListTrusted") => once("7a/MokListTrusted"),
        _ => $"has unexpected authority ('{v.VariableName}', '{v.UnicodeName}')",
    };

    /// <summary>Every list of an allowed type, every key among the reference keys (an empty reference without Secure Boot accepts all).</summary>
    private string? Subset(UefiVariable v, IReadOnlyList<UefiSignature> allowed, Guid[] types)
    {
        if (!state.HasSecureBoot && allowed.Count == 0)
        {
            return null;
        }

        foreach (var list in UefiEventData.SignatureLists(v.VariableData.Span))
        {
            if (!types.Contains(list.SignatureType))
            {
                return $"{v.UnicodeName} holds a list of type {list.SignatureType}";
            }

            var unknown = list.Keys.FirstOrDefault(k => !allowed.Contains(k));
            if (unknown is not null)
            {
                return $"{v.UnicodeName} holds a key not in the reference state (owner {unknown.SignatureOwner}, {Short(unknown.SignatureDataHex)})";
            }
        }

        return null;
    }

    /// <summary>dbx: exactly one SHA-256 list containing at least every reference entry.</summary>
    private string? Superset(UefiVariable v, IReadOnlyList<UefiSignature> required)
    {
        if (!state.HasSecureBoot && required.Count == 0)
        {
            return null;
        }

        var lists = UefiEventData.SignatureLists(v.VariableData.Span);
        if (lists.Count != 1 || lists[0].SignatureType != UefiEventData.CertSha256)
        {
            return $"dbx must be exactly one SHA-256 signature list, found {lists.Count}";
        }

        var present = lists[0].Keys.ToHashSet();
        var missing = required.Where(k => !present.Contains(k)).ToList();
        return missing.Count == 0 ? null : $"dbx lacks {missing.Count} entries of the reference state, e.g. {Short(missing[0].SignatureDataHex)}";
    }

    private string? VendorDbAuthority(UefiVariable v)
    {
        var key = UefiEventData.SignatureData(v.VariableData.Span);
        return state.VendorDb.Contains(key) ? null : "vendor_db authority is not in the reference vendor_db";
    }

    private static string Short(string hex) => hex.Length > 32 ? hex[..32] + "…" : hex;
}
