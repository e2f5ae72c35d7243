using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class TpmReaderWriterTests
{
    [Fact]
    public void Values_round_trip_big_endian()
    {
        var writer = new TpmWriter();
        writer.WriteByte(0x01).WriteUInt16(0x0203).WriteUInt32(0x04050607).WriteUInt64(0x08090A0B0C0D0E0F).WriteSized([0xAA, 0xBB]);
        var bytes = writer.ToArray();
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 2, 0xAA, 0xBB }, bytes);

        var reader = new TpmReader(bytes);
        Assert.Equal(1, reader.ReadByte());
        Assert.Equal(0x0203, reader.ReadUInt16());
        Assert.Equal(0x04050607u, reader.ReadUInt32());
        Assert.Equal(0x08090A0B0C0D0E0FUL, reader.ReadUInt64());
        Assert.Equal(new byte[] { 0xAA, 0xBB }, reader.ReadSized().ToArray());
        reader.ExpectEnd("test");
    }

    [Fact]
    public void A_size_field_larger_than_the_input_is_a_format_error()
    {
        byte[] forged = [0xFF, 0xFF, 0x01];
        Assert.Throws<TpmFormatException>(() => new TpmReader(forged).ReadSized());
    }

    [Fact]
    public void Back_patched_sizes_cover_the_nested_content()
    {
        var writer = new TpmWriter();
        var mark = writer.BeginSized();
        writer.WriteUInt32(7);
        writer.EndSized(mark);
        Assert.Equal(new byte[] { 0, 4, 0, 0, 0, 7 }, writer.ToArray());
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        byte[] bytes = [0, 1, 2];
        var ex = Assert.Throws<TpmFormatException>(() =>
        {
            var reader = new TpmReader(bytes);
            reader.ReadUInt16();
            reader.ExpectEnd("thing");
        });
        Assert.Contains("trailing", ex.Message);
    }
}
