using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Keylime.Verifier.Data;

/// <summary>
/// An attestation's evidence items as the text of its <c>evidence</c> column: a JSON array in request
/// order, each item's protocol objects embedded as JSON (not as escaped strings), absent when null:
/// <c>[{"evidence_class":"certification","evidence_type":"tpm_quote","capabilities":{…},"chosen_parameters":{…},"data":{…}}]</c>.
/// One column instead of a child table: phase 1, phase 2 and the verdict each write the attestation
/// row once, and a read needs no join.
/// </summary>
public static class EvidenceColumn
{
    public const string Empty = "[]";

    private const string Class = "evidence_class";
    private const string Type = "evidence_type";
    private const string Capabilities = "capabilities";
    private const string ChosenParameters = "chosen_parameters";
    private const string Data = "data";
    private const string Results = "results";

    /// <summary>
    /// The column text. The nested values are embedded unparsed: they are always this verifier's own
    /// serializations of the protocol records, never text an agent sent.
    /// </summary>
    public static string Write(IReadOnlyList<EvidenceItem> items)
    {
        if (items.Count == 0)
        {
            return Empty;
        }

        return items.All(i => IsPlain(i.EvidenceClass) && IsPlain(i.EvidenceType)) ? Concatenate(items) : Serialize(items);
    }

    /// <summary>
    /// The usual case, every class and type a plain word (<c>certification</c>, <c>tpm_quote</c>, …), which JSON
    /// writes as it is: the text is put together in one allocation, exactly as <see cref="Serialize"/> would write it.
    /// </summary>
    private static string Concatenate(IReadOnlyList<EvidenceItem> items)
    {
        var length = 1 + items.Count; // '[', the commas and ']'
        foreach (var item in items)
        {
            length += ItemPrefix.Length + item.EvidenceClass.Length + TypePrefix.Length + item.EvidenceType.Length + 2
                + Embedded(CapabilitiesPrefix, item.Capabilities) + Embedded(ChosenParametersPrefix, item.ChosenParameters)
                + Embedded(DataPrefix, item.Data) + Embedded(ResultsPrefix, item.Results);
        }

        return string.Create(length, items, static (span, items) =>
        {
            var at = 0;
            span[at++] = '[';
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (i > 0)
                {
                    span[at++] = ',';
                }

                Put(span, ref at, ItemPrefix);
                Put(span, ref at, item.EvidenceClass);
                Put(span, ref at, TypePrefix);
                Put(span, ref at, item.EvidenceType);
                span[at++] = '"';
                Embed(span, ref at, CapabilitiesPrefix, item.Capabilities);
                Embed(span, ref at, ChosenParametersPrefix, item.ChosenParameters);
                Embed(span, ref at, DataPrefix, item.Data);
                Embed(span, ref at, ResultsPrefix, item.Results);
                span[at++] = '}';
            }

            span[at] = ']';
        });
    }

    private const string ItemPrefix = "{\"" + Class + "\":\"";
    private const string TypePrefix = "\",\"" + Type + "\":\"";
    private const string CapabilitiesPrefix = ",\"" + Capabilities + "\":";
    private const string ChosenParametersPrefix = ",\"" + ChosenParameters + "\":";
    private const string DataPrefix = ",\"" + Data + "\":";
    private const string ResultsPrefix = ",\"" + Results + "\":";

    private static int Embedded(string prefix, string? json) => string.IsNullOrEmpty(json) ? 0 : prefix.Length + json.Length;

    private static void Embed(Span<char> span, ref int at, string prefix, string? json)
    {
        if (!string.IsNullOrEmpty(json))
        {
            Put(span, ref at, prefix);
            Put(span, ref at, json);
        }
    }

    private static void Put(Span<char> span, ref int at, string text)
    {
        text.CopyTo(span[at..]);
        at += text.Length;
    }

    /// <summary>Letters, digits, '_' and '-': characters JSON strings hold unescaped (also by the default encoder).</summary>
    private static bool IsPlain(string text) => !text.AsSpan().ContainsAnyExcept(PlainCharacters);

    private static readonly SearchValues<char> PlainCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    /// <summary>Any class or type, escaped as JSON requires.</summary>
    private static string Serialize(IReadOnlyList<EvidenceItem> items)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + items.Sum(i => (i.Capabilities?.Length ?? 0) + (i.ChosenParameters?.Length ?? 0)
            + (i.Data?.Length ?? 0) + (i.Results?.Length ?? 0)));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStartObject();
                writer.WriteString(Class, item.EvidenceClass);
                writer.WriteString(Type, item.EvidenceType);
                Embed(writer, Capabilities, item.Capabilities);
                Embed(writer, ChosenParameters, item.ChosenParameters);
                Embed(writer, Data, item.Data);
                Embed(writer, Results, item.Results);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The items of a column text; an empty or null column has none.</summary>
    /// <exception cref="JsonException">The text is not an array of evidence items.</exception>
    public static List<EvidenceItem> Read(string? text)
    {
        if (string.IsNullOrEmpty(text) || text == Empty)
        {
            return [];
        }

        using var document = JsonDocument.Parse(text);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("the evidence column is not a JSON array");
        }

        var items = new List<EvidenceItem>(document.RootElement.GetArrayLength());
        foreach (var element in document.RootElement.EnumerateArray())
        {
            items.Add(new EvidenceItem
            {
                Position = items.Count,
                EvidenceClass = Text(element, Class) ?? throw new JsonException($"an evidence item has no {Class}"),
                EvidenceType = Text(element, Type) ?? throw new JsonException($"an evidence item has no {Type}"),
                Capabilities = Raw(element, Capabilities),
                ChosenParameters = Raw(element, ChosenParameters),
                Data = Raw(element, Data),
                Results = Raw(element, Results),
            });
        }

        return items;
    }

    private static void Embed(Utf8JsonWriter writer, string name, string? json)
    {
        if (!string.IsNullOrEmpty(json))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(json, skipInputValidation: true);
        }
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Raw(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetRawText() : null;
}
