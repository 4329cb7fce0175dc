using Microsoft.Extensions.Logging;

namespace Matrix.Storage;

internal static partial class Log
{
    [LoggerMessage(30, LogLevel.Information, "Applied migration {Id}")]
    public static partial void MigrationApplied(ILogger logger, string id);
}
