using System.Text.Json;
using Matrix.Domain;
using Matrix.Grains;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Web.Api;

/// <summary>
/// Turns what went wrong into problem+json that names the field: broken domain rules and malformed bodies are 400,
/// unknown ids (and what the caller may not see) 404, what the caller may see but not do 403, a lost write race 409 (retry). Endpoints throw; they never format errors themselves.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            DomainValidationException v => Validation(v.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
            BadHttpRequestException { InnerException: JsonException json } when MissingProperties(json) is { Length: > 0 } missing =>
                Validation(missing.ToDictionary(p => p, _ => new[] { "is required" })),
            BadHttpRequestException { InnerException: JsonException json } => Validation(new() { [FieldOf(json.Path)] = [Describe(json)] }),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "The request could not be read.", Detail = bad.Message },
            KeyNotFoundException missing => new ProblemDetails { Status = 404, Title = "Not found.", Detail = missing.Message },
            Access.AccessDeniedException denied => new ProblemDetails { Status = 403, Title = "Not allowed.", Detail = denied.Message },
            Orleans.Storage.InconsistentStateException => new ProblemDetails { Status = 409, Title = "Changed by someone else at the same moment; nothing was written. Try again." },
            _ when Unavailable(exception) => new ProblemDetails
            {
                Status = 503,
                Title = "The database or a node is unavailable for a moment; try again shortly. What was answered before is kept, and a retry completes this request.",
            },
            _ => null,
        };
        if (problem is null) return false;
        http.Response.StatusCode = problem.Status ?? 400;
        if (problem.Status == 503) http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new() { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>Seconds a client is asked to wait (Retry-After) while the database or a node is away.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>
    /// The database did not answer (connection refused or lost, the server shutting down or starting) or the silo
    /// holding a grain is gone and the cluster has not yet moved it: nothing about the request itself is wrong.
    /// </summary>
    internal static bool Unavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return true;
                case Npgsql.PostgresException:
                    return false;
                case Npgsql.NpgsqlException npgsql when npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException:
                    return true;
                case Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException or TimeoutException:
                    return true;
                case AggregateException { InnerExceptions.Count: > 1 } many:
                    return many.InnerExceptions.Any(Unavailable);
            }
        }
        return false;
    }

    private static HttpValidationProblemDetails Validation(Dictionary<string, string[]> errors) =>
        new(errors) { Status = 400, Title = "Some values are not valid; nothing was changed." };

    // System.Text.Json names missing constructor parameters only in its message: "...missing required properties including: 'a', 'b'."
    private static string[] MissingProperties(JsonException json)
    {
        var at = json.Message.IndexOf("missing required properties including:", StringComparison.Ordinal);
        if (at < 0) return [];
        var prefix = json.Path is null or "$" ? "" : json.Path.TrimStart('$', '.') + ".";
        return System.Text.RegularExpressions.Regex.Matches(json.Message[at..], "'([^']+)'").Select(m => prefix + m.Groups[1].Value).ToArray();
    }

    // "$.capacity.hardCap" → "capacity.hardCap"; a body that is not JSON at all has no path.
    private static string FieldOf(string? path) => path is null or "$" ? "body" : path.TrimStart('$', '.');

    private static string Describe(JsonException json) =>
        json.Path is null or "$" ? "is not valid JSON" : $"has the wrong type or is missing ({json.Message.Split(" Path:")[0]})";
}
