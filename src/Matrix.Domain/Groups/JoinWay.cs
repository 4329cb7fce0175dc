namespace Matrix.Domain.Groups;

/// <summary>
/// How a group code of WeCom groups (a 「加入群聊」 join way) is set up. <paramref name="AutoCreateRoom"/> has no
/// default: WeCom's own default is on, a peer's is off, and the difference decides whether people meet a full
/// group, so the operator says which, and Matrix always sends it. Groups WeCom opens itself take
/// <paramref name="Capacity"/> and <paramref name="SoftFull"/>.
/// </summary>
public sealed record JoinWaySettings(bool? AutoCreateRoom, string? RoomBaseName, int? RoomBaseId, int Capacity, int SoftFull)
{
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (AutoCreateRoom is null) errors.Add(FieldError.Of("autoCreateRoom", RuleKeys.Required, "is required"));
        Check.Text(errors, "roomBaseName", RoomBaseName, JoinWayRules.RoomBaseNameMax, required: AutoCreateRoom == true);
        if (RoomBaseId is < 0) errors.Add(FieldError.Of("roomBaseId", RuleKeys.NotNegative, "must not be negative"));
        errors.AddRange(new GroupSettings(RoomBaseName ?? "-", GroupKind.WeCom, Capacity, SoftFull).Validate().Where(e => e.Field != "name"));
        return errors;
    }
}

/// <summary>A WeCom group as the join way's list is chosen from: its chat, Matrix's latest count from WeCom, and its limits.</summary>
public sealed record JoinWayGroup(string ChatId, GroupState State);

/// <summary>The rules of a join way: which of the code's WeCom groups it lists, and how its state is made.</summary>
public static class JoinWayRules
{
    /// <summary>WeCom lists at most five groups in a join way.</summary>
    public const int MaxChats = 5;

    /// <summary>WeCom's limit on an auto-created group's base name.</summary>
    public const int RoomBaseNameMax = 40;

    /// <summary>The join way's state (WeCom: at most 30 characters): "g." and the code's id, so a member's state names the code.</summary>
    public static string State(string codeId) => $"g.{codeId}";

    /// <summary>A group people may still be sent to: open and below its soft full by the latest count.</summary>
    public static bool Listed(GroupState group) => !group.Closed && group.Members < Math.Min(group.SoftFull, group.Capacity);

    /// <summary>
    /// The chats the join way lists, in the code's order: the groups below their soft full, at most five. WeCom
    /// wants at least one, so when none is below its soft full the open group with the most room left is listed
    /// (WeCom fills it to its capacity, and then opens a new group if the way auto-creates); when no group has room
    /// at all, the list is empty and the caller keeps WeCom's list as it is (nobody can join, and a person is asked).
    /// </summary>
    public static IReadOnlyList<string> ChatList(IEnumerable<JoinWayGroup> groups)
    {
        var open = groups.Where(g => !g.State.Closed).ToList();
        var below = open.Where(g => Listed(g.State)).Take(MaxChats).Select(g => g.ChatId).ToList();
        if (below.Count > 0) return below;
        var roomiest = open.Where(g => g.State.Members < g.State.Capacity).OrderByDescending(g => g.State.Capacity - g.State.Members).FirstOrDefault();
        return roomiest is null ? [] : [roomiest.ChatId];
    }

    /// <summary>Whether every group is at its soft full: the console warns, and a person is asked to open a group unless WeCom opens one.</summary>
    public static bool AllFull(IEnumerable<JoinWayGroup> groups) => !groups.Any(g => Listed(g.State));
}
