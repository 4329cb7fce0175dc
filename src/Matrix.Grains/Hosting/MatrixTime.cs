namespace Matrix.Grains;

/// <summary>
/// The clock of the matrix's business: the store's day, due times, and Orleans's reminders, which are registered
/// against it (Orleans takes the reminder service's TimeProvider as a keyed service). Orleans's own machinery
/// (membership, timeouts, grain timers) keeps the real clock, so a test can move this one through months without
/// the cluster noticing.
/// </summary>
public static class MatrixTime
{
    public const string Key = Orleans.Reminders.ReminderTimeProviderNames.Reminders;
}
