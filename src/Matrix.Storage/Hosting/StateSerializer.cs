using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Matrix.Storage.Hosting;

/// <summary>
/// Grain state as JSON (web names, enums by name), not Orleans's default Newtonsoft JSON with "$type" names: the
/// state class is known from the grain, so the rows carry no .NET type names and a class can be renamed or moved
/// without breaking what is stored. Any reader of payloadbinary uses <see cref="Options"/>.
/// </summary>
public sealed class StateSerializer : IGrainStorageSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(Options)!;
}
