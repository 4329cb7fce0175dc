using Matrix.Domain;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Matrix.Grains;

/// <summary>
/// How Matrix's values cross grain calls. Matrix's records (the domain's and the grains') travel as JSON through
/// Orleans's System.Text.Json codec, with the options grain state is stored with: the domain stays plain C# with no
/// serializer attributes, and a type is serializable the moment it is written. Exceptions are not JSON: Orleans keeps
/// their type and message for namespaces it is told of ("Matrix"), and the one that carries data, a refused request's
/// field errors, travels through <see cref="DomainValidationSurrogate"/>.
/// </summary>
public static class MatrixSerialization
{
    public static IServiceCollection AddMatrixSerialization(this IServiceCollection services)
    {
        services.AddSerializer(s => s.AddJsonSerializer(IsMatrixValue, StateSerializer.Options));
        services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Matrix"));
        return services;
    }

    private static bool IsMatrixValue(Type type) =>
        type.Namespace?.StartsWith("Matrix.", StringComparison.Ordinal) == true
        && !typeof(Exception).IsAssignableFrom(type)
        && !type.IsInterface
        && type != typeof(DomainValidationSurrogate);
}

[GenerateSerializer, Alias("matrix.domain-validation")]
public readonly struct DomainValidationSurrogate
{
    [Id(0)] public readonly string ErrorsJson;

    public DomainValidationSurrogate(string errorsJson) => ErrorsJson = errorsJson;
}

[RegisterConverter]
public sealed class DomainValidationConverter : IConverter<DomainValidationException, DomainValidationSurrogate>
{
    public DomainValidationException ConvertFromSurrogate(in DomainValidationSurrogate surrogate) =>
        new(System.Text.Json.JsonSerializer.Deserialize<List<FieldError>>(surrogate.ErrorsJson, StateSerializer.Options) ?? []);

    public DomainValidationSurrogate ConvertToSurrogate(in DomainValidationException value) =>
        new(System.Text.Json.JsonSerializer.Serialize(value.Errors, StateSerializer.Options));
}
