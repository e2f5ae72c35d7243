namespace Keylime.Shared.Tpm;

/// <summary>TPMT_SYM_DEF_OBJECT: the symmetric algorithm of a storage/EK key (NULL for signing keys).</summary>
public sealed record TpmSymmetric(TpmAlg Algorithm, ushort KeyBits, TpmAlg Mode)
{
    public static readonly TpmSymmetric Null = new(TpmAlg.Null, 0, TpmAlg.Null);

    public static readonly TpmSymmetric Aes128Cfb = new(TpmAlg.Aes, 128, TpmAlg.Cfb);

    internal static TpmSymmetric Read(ref TpmReader reader)
    {
        var alg = (TpmAlg)reader.ReadUInt16();
        if (alg == TpmAlg.Null)
        {
            return Null;
        }

        if (alg is not (TpmAlg.Aes or TpmAlg.Sm4 or TpmAlg.Xor) && (ushort)alg != 0x0026 /* CAMELLIA */)
        {
            throw new TpmFormatException($"unknown symmetric algorithm 0x{(ushort)alg:x4}");
        }

        var keyBits = reader.ReadUInt16();
        var mode = (TpmAlg)reader.ReadUInt16();
        return new TpmSymmetric(alg, keyBits, mode);
    }

    internal void Write(TpmWriter writer)
    {
        writer.WriteUInt16((ushort)Algorithm);
        if (Algorithm != TpmAlg.Null)
        {
            writer.WriteUInt16(KeyBits).WriteUInt16((ushort)Mode);
        }
    }
}

/// <summary>
/// A TPM object's public area (TPMT_PUBLIC; spec/tpm.md §3.1): parse it once from the wire — with or
/// without the TPM2B size prefix — then ask for its <see cref="Name"/>, its attributes, or a .NET key.
/// RSA and ECC keys are fully supported; KEYEDHASH and SYMCIPHER objects parse but have no .NET key.
/// </summary>
public sealed partial class TpmPublic
{
    private byte[]? _marshalled;
    private byte[]? _name;

    public required TpmAlg Type { get; init; }

    public required TpmAlg NameAlg { get; init; }

    public required TpmObjectAttributes Attributes { get; init; }

    public byte[] AuthPolicy { get; init; } = [];

    public TpmSymmetric Symmetric { get; init; } = TpmSymmetric.Null;

    /// <summary>The signing/encryption scheme (RSASSA, RSAPSS, OAEP, ECDSA, HMAC, … or NULL).</summary>
    public TpmAlg Scheme { get; init; } = TpmAlg.Null;

    /// <summary>The scheme's hash, or NULL when the scheme carries none.</summary>
    public TpmAlg SchemeHash { get; init; } = TpmAlg.Null;

    /// <summary>ECDAA's count field; 0 otherwise.</summary>
    public ushort SchemeCount { get; init; }

    /// <summary>RSA key size in bits.</summary>
    public ushort KeyBits { get; init; }

    /// <summary>The RSA exponent field as marshalled: 0 means 65537.</summary>
    public uint Exponent { get; init; }

    /// <summary>RSA modulus (big-endian); empty for a template.</summary>
    public byte[] Modulus { get; init; } = [];

    public TpmEccCurve Curve { get; init; }

    public TpmAlg Kdf { get; init; } = TpmAlg.Null;

    public TpmAlg KdfHash { get; init; } = TpmAlg.Null;

    /// <summary>ECC public point x (big-endian).</summary>
    public byte[] X { get; init; } = [];

    /// <summary>ECC public point y (big-endian).</summary>
    public byte[] Y { get; init; } = [];

    /// <summary>KEYEDHASH / SYMCIPHER unique digest.</summary>
    public byte[] UniqueDigest { get; init; } = [];

    public bool IsRsa => Type == TpmAlg.Rsa;

    public bool IsEcc => Type == TpmAlg.Ecc;

    public bool Has(TpmObjectAttributes attributes) => (Attributes & attributes) == attributes;

    /// <summary>Parses a TPM2B_PUBLIC (u16 size + TPMT_PUBLIC); the size must cover exactly the rest.</summary>
    public static TpmPublic Parse(ReadOnlySpan<byte> tpm2bPublic)
    {
        var reader = new TpmReader(tpm2bPublic);
        var body = reader.ReadSized("TPM2B_PUBLIC");
        reader.ExpectEnd("TPM2B_PUBLIC");
        return ParseTpmt(body);
    }

    /// <summary>Parses a bare TPMT_PUBLIC (what rust-keylime sends as <c>certification_keys[].public</c>).</summary>
    public static TpmPublic ParseTpmt(ReadOnlySpan<byte> tpmtPublic)
    {
        var reader = new TpmReader(tpmtPublic);
        var result = Read(ref reader);
        reader.ExpectEnd("TPMT_PUBLIC");
        result._marshalled = tpmtPublic.ToArray();
        return result;
    }

    /// <summary>
    /// Parses either form: a buffer whose first u16 equals the length of the rest is a TPM2B_PUBLIC
    /// (a TPMT_PUBLIC starts with its type, 0x0001/0x0023/…, which never equals the remaining length
    /// of a real key), anything else is read as a TPMT_PUBLIC.
    /// </summary>
    public static TpmPublic ParseAny(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 2 && ((data[0] << 8) | data[1]) == data.Length - 2)
        {
            return Parse(data);
        }

        return ParseTpmt(data);
    }

    /// <summary>The marshalled TPMT_PUBLIC (no size prefix): the bytes the Name hashes.</summary>
    public byte[] ToTpmtBytes()
    {
        if (_marshalled is null)
        {
            var writer = new TpmWriter(512);
            Write(writer);
            _marshalled = writer.ToArray();
        }

        return _marshalled;
    }

    /// <summary>The TPM2B_PUBLIC form (size prefix + TPMT_PUBLIC), as in the registrar's <c>aik_tpm</c>/<c>ek_tpm</c>.</summary>
    public byte[] ToTpm2BBytes() => new TpmWriter(520).WriteSized(ToTpmtBytes()).ToArray();

    /// <summary>Name = nameAlg ‖ H_nameAlg(TPMT_PUBLIC) (spec/tpm.md §3.2).</summary>
    public byte[] Name => _name ??= TpmName.Compute(NameAlg, ToTpmtBytes());

    /// <summary>Lower-case hex of the Name (rust-keylime's <c>local_identifier</c>).</summary>
    public string NameHex => Convert.ToHexStringLower(Name);

    /// <summary>Qualified name for a key whose parent's qualified name (or hierarchy handle) is given.</summary>
    public byte[] QualifiedName(ReadOnlySpan<byte> parentQualifiedName) =>
        TpmName.Qualified(NameAlg, parentQualifiedName, Name);

    /// <summary>Reads a TPM2B_PUBLIC inside a larger structure (e.g. a CreatePrimary or ReadPublic response).</summary>
    public static TpmPublic ReadSized(ref TpmReader reader) => ParseTpmt(reader.ReadSized("TPM2B_PUBLIC"));

    /// <summary>Reads a TPMT_PUBLIC inside a larger structure.</summary>
    public static TpmPublic Read(ref TpmReader reader)
    {
        var type = (TpmAlg)reader.ReadUInt16();
        var nameAlg = (TpmAlg)reader.ReadUInt16();
        if (TpmHash.DigestSize(nameAlg) == 0 && nameAlg != TpmAlg.Null)
        {
            throw new TpmFormatException($"unknown nameAlg 0x{(ushort)nameAlg:x4}");
        }

        var attributes = (TpmObjectAttributes)reader.ReadUInt32();
        var authPolicy = reader.ReadSized(64, "authPolicy").ToArray();
        return type switch
        {
            TpmAlg.Rsa => ReadRsa(ref reader, nameAlg, attributes, authPolicy),
            TpmAlg.Ecc => ReadEcc(ref reader, nameAlg, attributes, authPolicy),
            TpmAlg.KeyedHash => ReadKeyedHash(ref reader, nameAlg, attributes, authPolicy),
            TpmAlg.SymCipher => new TpmPublic
            {
                Type = type, NameAlg = nameAlg, Attributes = attributes, AuthPolicy = authPolicy,
                Symmetric = TpmSymmetric.Read(ref reader),
                UniqueDigest = reader.ReadSized(64, "unique").ToArray(),
            },
            _ => throw new TpmFormatException($"unknown public area type 0x{(ushort)type:x4}"),
        };
    }

    private static TpmPublic ReadRsa(ref TpmReader reader, TpmAlg nameAlg, TpmObjectAttributes attributes, byte[] authPolicy)
    {
        var symmetric = TpmSymmetric.Read(ref reader);
        var scheme = (TpmAlg)reader.ReadUInt16();
        var schemeHash = scheme switch
        {
            TpmAlg.Null or TpmAlg.RsaEs => TpmAlg.Null,
            TpmAlg.RsaSsa or TpmAlg.RsaPss or TpmAlg.Oaep => (TpmAlg)reader.ReadUInt16(),
            _ => throw new TpmFormatException($"unknown RSA scheme 0x{(ushort)scheme:x4}"),
        };
        var keyBits = reader.ReadUInt16();
        var exponent = reader.ReadUInt32();
        var modulus = reader.ReadSized(512, "RSA modulus").ToArray();
        return new TpmPublic
        {
            Type = TpmAlg.Rsa, NameAlg = nameAlg, Attributes = attributes, AuthPolicy = authPolicy,
            Symmetric = symmetric, Scheme = scheme, SchemeHash = schemeHash,
            KeyBits = keyBits, Exponent = exponent, Modulus = modulus,
        };
    }

    private static TpmPublic ReadEcc(ref TpmReader reader, TpmAlg nameAlg, TpmObjectAttributes attributes, byte[] authPolicy)
    {
        var symmetric = TpmSymmetric.Read(ref reader);
        var scheme = (TpmAlg)reader.ReadUInt16();
        ushort count = 0;
        var schemeHash = TpmAlg.Null;
        switch (scheme)
        {
            case TpmAlg.Null:
                break;
            case TpmAlg.EcDsa or TpmAlg.EcSchnorr or TpmAlg.Sm2 or TpmAlg.EcDh:
                schemeHash = (TpmAlg)reader.ReadUInt16();
                break;
            case TpmAlg.EcDaa:
                schemeHash = (TpmAlg)reader.ReadUInt16();
                count = reader.ReadUInt16();
                break;
            default:
                throw new TpmFormatException($"unknown ECC scheme 0x{(ushort)scheme:x4}");
        }

        var curve = (TpmEccCurve)reader.ReadUInt16();
        var kdf = (TpmAlg)reader.ReadUInt16();
        var kdfHash = kdf == TpmAlg.Null ? TpmAlg.Null : (TpmAlg)reader.ReadUInt16();
        var x = reader.ReadSized(128, "ECC x").ToArray();
        var y = reader.ReadSized(128, "ECC y").ToArray();
        return new TpmPublic
        {
            Type = TpmAlg.Ecc, NameAlg = nameAlg, Attributes = attributes, AuthPolicy = authPolicy,
            Symmetric = symmetric, Scheme = scheme, SchemeHash = schemeHash, SchemeCount = count,
            Curve = curve, Kdf = kdf, KdfHash = kdfHash, X = x, Y = y,
        };
    }

    private static TpmPublic ReadKeyedHash(ref TpmReader reader, TpmAlg nameAlg, TpmObjectAttributes attributes, byte[] authPolicy)
    {
        var scheme = (TpmAlg)reader.ReadUInt16();
        var schemeHash = TpmAlg.Null;
        var kdf = TpmAlg.Null;
        switch (scheme)
        {
            case TpmAlg.Null:
                break;
            case TpmAlg.Hmac:
                schemeHash = (TpmAlg)reader.ReadUInt16();
                break;
            case TpmAlg.Xor:
                schemeHash = (TpmAlg)reader.ReadUInt16();
                kdf = (TpmAlg)reader.ReadUInt16();
                break;
            default:
                throw new TpmFormatException($"unknown keyed-hash scheme 0x{(ushort)scheme:x4}");
        }

        return new TpmPublic
        {
            Type = TpmAlg.KeyedHash, NameAlg = nameAlg, Attributes = attributes, AuthPolicy = authPolicy,
            Scheme = scheme, SchemeHash = schemeHash, Kdf = kdf,
            UniqueDigest = reader.ReadSized(64, "unique").ToArray(),
        };
    }

    /// <summary>Marshals this public area as a TPMT_PUBLIC (templates are built this way).</summary>
    public void Write(TpmWriter writer)
    {
        writer.WriteUInt16((ushort)Type).WriteUInt16((ushort)NameAlg).WriteUInt32((uint)Attributes).WriteSized(AuthPolicy);
        switch (Type)
        {
            case TpmAlg.Rsa:
                Symmetric.Write(writer);
                WriteScheme(writer);
                writer.WriteUInt16(KeyBits).WriteUInt32(Exponent).WriteSized(Modulus);
                break;
            case TpmAlg.Ecc:
                Symmetric.Write(writer);
                WriteScheme(writer);
                writer.WriteUInt16((ushort)Curve).WriteUInt16((ushort)Kdf);
                if (Kdf != TpmAlg.Null)
                {
                    writer.WriteUInt16((ushort)KdfHash);
                }

                writer.WriteSized(X).WriteSized(Y);
                break;
            case TpmAlg.KeyedHash:
                writer.WriteUInt16((ushort)Scheme);
                if (Scheme != TpmAlg.Null)
                {
                    writer.WriteUInt16((ushort)SchemeHash);
                }

                if (Scheme == TpmAlg.Xor)
                {
                    writer.WriteUInt16((ushort)Kdf);
                }

                writer.WriteSized(UniqueDigest);
                break;
            case TpmAlg.SymCipher:
                Symmetric.Write(writer);
                writer.WriteSized(UniqueDigest);
                break;
            default:
                throw new InvalidOperationException($"cannot marshal public area type {Type}");
        }
    }

    private void WriteScheme(TpmWriter writer)
    {
        writer.WriteUInt16((ushort)Scheme);
        if (Scheme is TpmAlg.Null or TpmAlg.RsaEs)
        {
            return;
        }

        writer.WriteUInt16((ushort)SchemeHash);
        if (Scheme == TpmAlg.EcDaa)
        {
            writer.WriteUInt16(SchemeCount);
        }
    }
}
