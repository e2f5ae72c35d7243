using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class TpmPublicTests
{
    public static TheoryData<string> Keys => TpmVectors.KeyIds();

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_vector_key_parses_and_its_name_matches_the_manifest(string id)
    {
        var key = TpmVectors.Key(id);
        var pub = TpmPublic.Parse(TpmVectors.Bytes(key.GetProperty("files").Str("tpm2bPublic")));

        Assert.Equal(key.Str("name"), pub.NameHex);
        Assert.Equal(TpmVectors.Bytes(key.GetProperty("files").Str("name")), pub.Name);
        var manifestPublic = key.GetProperty("public");
        Assert.Equal(Convert.ToUInt32(manifestPublic.Str("objectAttributes"), 16), (uint)pub.Attributes);
        Assert.Equal(manifestPublic.Str("authPolicy"), Convert.ToHexStringLower(pub.AuthPolicy));
        Assert.Equal(manifestPublic.Str("type") == "RSA", pub.IsRsa);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Marshalling_a_parsed_public_area_gives_back_the_same_bytes(string id)
    {
        var bytes = TpmVectors.Bytes(TpmVectors.Key(id).GetProperty("files").Str("tpm2bPublic"));
        var pub = TpmPublic.Parse(bytes);
        var writer = new TpmWriter();
        pub.Write(writer);
        Assert.Equal(bytes.AsSpan(2).ToArray(), writer.ToArray());
        Assert.Equal(bytes, pub.ToTpm2BBytes());
    }

    [Theory]
    [InlineData("ek_rsa", null)]
    [InlineData("ek_ecc", null)]
    [InlineData("ek_ecc384", null)]
    [InlineData("ak_rsa", "ek_rsa")]
    [InlineData("ak_ecc", "ek_ecc")]
    [InlineData("ak_rsapss", "ek_rsa")]
    [InlineData("ak_rsa_sha1", "ek_rsa")]
    public void Qualified_names_chain_from_the_endorsement_hierarchy(string id, string? parent)
    {
        var parentQn = parent is null
            ? TpmName.EndorsementHierarchy.ToArray()
            : TpmVectors.Hex(TpmVectors.Key(parent).Str("qualifiedName"));
        var pub = TpmPublic.Parse(TpmVectors.Bytes(TpmVectors.Key(id).GetProperty("files").Str("tpm2bPublic")));
        Assert.Equal(TpmVectors.Key(id).Str("qualifiedName"), Convert.ToHexStringLower(pub.QualifiedName(parentQn)));
    }

    [Theory]
    [InlineData("ek/ek_rsa.pub", "ek/ek_rsa.pem")]
    [InlineData("ek/ek_ecc.pub", "ek/ek_ecc.pem")]
    [InlineData("ak/ak_rsa.pub", "ak/ak_rsa.pem")]
    [InlineData("ak/ak_ecc.pub", "ak/ak_ecc.pem")]
    [InlineData("ak/ak_rsapss.pub", "ak/ak_rsapss.pem")]
    public void Pem_export_equals_what_tpm2_readpublic_wrote(string pubFile, string pemFile)
    {
        var pub = TpmPublic.Parse(TpmVectors.Bytes(pubFile));
        Assert.Equal(TpmVectors.Text(pemFile).Trim(), pub.ToPem().Trim());
    }

    [Fact]
    public void The_rsa_ek_has_the_low_range_template_fields()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub"));
        Assert.Equal(TpmAlg.Rsa, ek.Type);
        Assert.Equal(TpmAlg.Sha256, ek.NameAlg);
        Assert.Equal(TpmSymmetric.Aes128Cfb, ek.Symmetric);
        Assert.Equal(TpmAlg.Null, ek.Scheme);
        Assert.Equal(2048, ek.KeyBits);
        Assert.Equal(0u, ek.Exponent);
        Assert.Equal(TpmVectors.Key("ek_rsa").GetProperty("public").Str("modulus"), Convert.ToHexStringLower(ek.Modulus));
        Assert.Equal(TpmVectors.Bytes("ek/ek_rsa_persistent_81010001.pub"), ek.ToTpm2BBytes());
    }

    [Fact]
    public void The_ecc_ek_exposes_curve_and_point()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_ecc384_persistent_81010016.pub"));
        Assert.Equal(TpmEccCurve.NistP384, ek.Curve);
        Assert.Equal(TpmAlg.Sha384, ek.NameAlg);
        Assert.Equal(new TpmSymmetric(TpmAlg.Aes, 256, TpmAlg.Cfb), ek.Symmetric);
        Assert.Equal(TpmVectors.Key("ek_ecc384").GetProperty("public").Str("x"), Convert.ToHexStringLower(ek.X));
        using var ecdsa = ek.ToECDsa();
        Assert.Equal(384, ecdsa.KeySize);
    }

    [Fact]
    public void The_ak_scheme_is_read_from_the_parameters()
    {
        var ak = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsapss.pub"));
        Assert.Equal(TpmAlg.RsaPss, ak.Scheme);
        Assert.Equal(TpmAlg.Sha256, ak.SchemeHash);
        var sha1 = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa_sha1.pub"));
        Assert.Equal(TpmAlg.Sha1, sha1.SchemeHash);
        Assert.Equal(TpmAlg.Sha256, sha1.NameAlg);
    }

    [Fact]
    public void A_public_area_without_its_size_prefix_parses_the_same()
    {
        var tpm2b = TpmVectors.Bytes("ak/ak_rsa.pub");
        var bare = tpm2b.AsSpan(2).ToArray();
        Assert.Equal(TpmPublic.Parse(tpm2b).Name, TpmPublic.ParseTpmt(bare).Name);
        Assert.Equal(TpmPublic.Parse(tpm2b).Name, TpmPublic.ParseAny(bare).Name);
        Assert.Equal(TpmPublic.Parse(tpm2b).Name, TpmPublic.ParseAny(tpm2b).Name);
    }

    [Fact]
    public void Trailing_bytes_after_the_public_area_are_refused()
    {
        var tpm2b = TpmVectors.Bytes("ak/ak_rsa.pub");
        Assert.Throws<TpmFormatException>(() => TpmPublic.Parse([.. tpm2b, 0]));
        Assert.Throws<TpmFormatException>(() => TpmPublic.ParseTpmt([.. tpm2b.AsSpan(2), 0]));
    }

    [Fact]
    public void A_size_prefix_that_does_not_cover_the_rest_is_refused()
    {
        var tpm2b = TpmVectors.Bytes("ak/ak_rsa.pub");
        tpm2b[1]--;
        Assert.Throws<TpmFormatException>(() => TpmPublic.Parse(tpm2b));
    }

    [Fact]
    public void An_rsa_modulus_shorter_than_key_bits_is_not_a_key()
    {
        var ak = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var broken = new TpmPublic
        {
            Type = ak.Type, NameAlg = ak.NameAlg, Attributes = ak.Attributes, Scheme = ak.Scheme, SchemeHash = ak.SchemeHash,
            KeyBits = 2048, Modulus = ak.Modulus[..128],
        };
        Assert.Throws<TpmFormatException>(() => broken.ToRsa());
    }

    [Fact]
    public void An_ecc_point_off_the_curve_is_not_a_key()
    {
        var ak = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_ecc.pub"));
        var y = ak.Y.ToArray();
        y[^1] ^= 1;
        var broken = new TpmPublic
        {
            Type = ak.Type, NameAlg = ak.NameAlg, Attributes = ak.Attributes, Scheme = ak.Scheme, SchemeHash = ak.SchemeHash,
            Curve = ak.Curve, X = ak.X, Y = y,
        };
        Assert.Throws<TpmFormatException>(() => broken.ToECDsa());
    }
}
