using System.Text;
using System.Text.Json;

namespace Matrix.Web.Api;

/// <summary>
/// Refuses, before any endpoint reads it, input no field of Matrix may hold: a string with a control character
/// (NUL and the rest of C0 and C1, DEL; tab, line feed and carriage return are text) anywhere in a JSON body, a form,
/// the query or the route, and a body that is not valid UTF-8 JSON. 400 problem+json naming the field, as the
/// endpoints' own validation does. PostgreSQL refuses NUL in text outright, so without this a NUL became a failed
/// statement half-way through a request.
/// </summary>
internal static class InputGuard
{
    public static IApplicationBuilder UseInputGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in http.Request.Query)
            if (values.Any(v => HasControl(v))) errors[name] = [ControlMessage];
        foreach (var (name, value) in http.Request.RouteValues)
            if (value is string s && HasControl(s)) errors[name] = [ControlMessage];
        if (Uri.UnescapeDataString(http.Request.Path.Value ?? "").Any(IsControl)) errors["path"] = [ControlMessage];

        if (errors.Count == 0 && http.Request.HasJsonContentType())
        {
            // Read whole (bodies are at most AccessHosting.MaxBodyBytes) and rewound for the endpoint. An empty body,
            // such as a GET sent with a JSON content type, is no input.
            http.Request.EnableBuffering();
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            http.Request.Body.Position = 0;
            if (body.Length > 0)
            {
                try
                {
                    using var document = JsonDocument.Parse(body.GetBuffer().AsMemory(0, (int)body.Length));
                    Walk(document.RootElement, "", errors);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or DecoderFallbackException)
                {
                    // Not JSON, or text that is not UTF-8 (found when a string is read).
                    errors.Clear();
                    errors["body"] = ["is not valid JSON in UTF-8"];
                }
            }
        }
        else if (errors.Count == 0 && http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            foreach (var (name, values) in form)
                if (values.Any(v => HasControl(v))) errors[name] = [ControlMessage];
        }

        if (errors.Count > 0)
        {
            await Results.ValidationProblem(errors, title: "Some values are not valid; nothing was changed.").ExecuteAsync(http);
            return;
        }
        await next(http);
    });

    private const string ControlMessage = "must not contain control characters";

    private static void Walk(JsonElement element, string path, Dictionary<string, string[]> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var field = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (HasControl(property.Name)) errors[field] = [ControlMessage];
                    else Walk(property.Value, field, errors);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) Walk(item, $"{path}[{i++}]", errors);
                break;
            case JsonValueKind.String when HasControl(element.GetString()):
                errors[path.Length == 0 ? "body" : path] = [ControlMessage];
                break;
        }
    }

    // A lone surrogate (JSON can carry one as \ud800) cannot be stored as UTF-8 either.
    private static bool HasControl(string? text)
    {
        if (text is null) return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(text[i]) || IsControl(text[i])) return true;
        }
        return false;
    }

    // Tab, line feed and carriage return are text (a template, a post); every other C0/C1 character and DEL is not.
    private static bool IsControl(char c) => char.IsControl(c) && c is not ('\t' or '\n' or '\r');
}
