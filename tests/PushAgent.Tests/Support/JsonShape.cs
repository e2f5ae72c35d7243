using System.Text.Json.Nodes;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>The set of member paths of a JSON document (<c>data.attributes.evidence_supported[].evidence_class</c>), to compare shapes, not values.</summary>
public static class JsonShape
{
    public static SortedSet<string> Of(JsonNode? node)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(node, "", paths);
        return paths;
    }

    private static void Walk(JsonNode? node, string prefix, SortedSet<string> paths)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                    paths.Add(path);
                    Walk(value, path, paths);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(item, prefix + "[]", paths);
                }

                break;
        }
    }
}
