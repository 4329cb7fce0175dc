using Matrix.Grains.Tasks;

namespace Matrix.Grains.Moments;

public static class PostCopies
{
    /// <summary>A sibling's copy of a post: its task's status, or "late" while still open past the grace time.</summary>
    public static string Status(WorkTask copy, DateTimeOffset now, TimeSpan grace) =>
        copy.Status == "open" && now > copy.DueAt + grace ? "late" : copy.Status;
}
