namespace Portcullis.Kubernetes.Status;

using System.Text.Json.Nodes;

/// <summary>
/// Stamps lastTransitionTime on a desired status (JSON) from the status the object has now, as Kubernetes'
/// meta.SetStatusCondition does: a condition keeps its time while its status stays the same and gets "now" when it
/// is new or its status changed. Works on any kind: conditions are found wherever a "conditions" array is, and
/// list entries are paired with the current ones by name (listeners) or by parentRef and controllerName (route
/// parents), so GRPCRoute or TLSRoute status needs nothing here.
/// </summary>
internal static class ConditionTimes
{
    public static void Stamp(JsonNode? desired, JsonNode? current, JsonNode now)
    {
        switch (desired)
        {
            case JsonObject d:
                foreach (var (key, value) in d.ToList())
                {
                    var counterpart = (current as JsonObject)?[key];
                    if (key == "conditions" && value is JsonArray conditions)
                    {
                        StampConditions(conditions, counterpart as JsonArray, now);
                    }
                    else
                    {
                        Stamp(value, counterpart, now);
                    }
                }

                break;
            case JsonArray a:
                foreach (var element in a)
                {
                    var identity = Identity(element);
                    var counterpart = identity is null ? null : (current as JsonArray)?.FirstOrDefault(c => Identity(c) == identity);
                    Stamp(element, counterpart, now);
                }

                break;
        }
    }

    private static void StampConditions(JsonArray desired, JsonArray? current, JsonNode now)
    {
        foreach (var condition in desired.OfType<JsonObject>())
        {
            var type = Text(condition["type"]);
            var before = current?.OfType<JsonObject>().FirstOrDefault(c => Text(c["type"]) == type);
            var keep = before is not null && Text(before["status"]) == Text(condition["status"]) && before["lastTransitionTime"] is not null;
            condition["lastTransitionTime"] = (keep ? before!["lastTransitionTime"] : now)!.DeepClone();
        }
    }

    private static string? Identity(JsonNode? element)
    {
        if (element is not JsonObject o)
        {
            return null;
        }

        if (o["parentRef"] is JsonNode parent)
        {
            return "parent " + Text(o["controllerName"]) + " " + parent.ToJsonString();
        }

        return o["name"] is JsonValue name ? "name " + name.ToJsonString() : null;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
