using System.Text.Json;
using System.Text.Json.Serialization;

namespace Matrix.Runtime;

/// <summary>
/// How grain state is written to grain_state.state: web (camelCase) names and enums as their names, so the rows read
/// well and list queries can filter inside the JSON. Anything that reads those rows directly uses the same options.
/// </summary>
public static class GrainStateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
