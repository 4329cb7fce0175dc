using Matrix.Domain.Groups;

namespace Matrix.Domain.Tests;

/// <summary>A join way lists the code's groups below their soft full (at most five), never an empty list while a group has room, and says auto-create explicitly.</summary>
public sealed class JoinWayRulesTests
{
    private static JoinWayGroup Group(string chat, int members, int softFull = 450, int capacity = 500, bool closed = false) =>
        new(chat, new GroupState(chat, capacity, softFull, members, null, closed));

    [Fact]
    public void The_list_holds_the_groups_below_their_soft_full_in_the_codes_order_at_most_five()
    {
        var groups = new[] { Group("a", 450), Group("b", 10), Group("c", 449), Group("d", 0, closed: true), Group("e", 1), Group("f", 2), Group("g", 3), Group("h", 4) };
        Assert.Equal(["b", "c", "e", "f", "g"], JoinWayRules.ChatList(groups));
        Assert.False(JoinWayRules.AllFull(groups));
    }

    [Fact]
    public void With_every_group_at_its_soft_full_the_roomiest_stays_listed_and_with_none_left_the_list_is_empty()
    {
        var soft = new[] { Group("a", 480), Group("b", 460), Group("c", 0, closed: true) };
        Assert.Equal(["b"], JoinWayRules.ChatList(soft));
        Assert.True(JoinWayRules.AllFull(soft));
        Assert.Empty(JoinWayRules.ChatList([Group("a", 500), Group("b", 500)]));
        Assert.Empty(JoinWayRules.ChatList([]));
    }

    [Fact]
    public void The_state_names_the_code_within_WeComs_30_characters() =>
        Assert.InRange(JoinWayRules.State("0123456789").Length, 1, 30);

    [Fact]
    public void Auto_create_must_be_said_and_a_base_name_comes_with_it()
    {
        Assert.Equal(["autoCreateRoom"], new JoinWaySettings(null, null, null, 500, 450).Validate().Select(e => e.Field));
        Assert.Equal(["roomBaseName"], new JoinWaySettings(true, " ", 1, 500, 450).Validate().Select(e => e.Field));
        Assert.Equal(["roomBaseName"], new JoinWaySettings(true, new string('群', 41), 1, 500, 450).Validate().Select(e => e.Field));
        Assert.Equal(["roomBaseId", "capacity"], new JoinWaySettings(false, null, -1, 501, 450).Validate().Select(e => e.Field));
        Assert.Equal(["softFull"], new JoinWaySettings(false, null, null, 200, 201).Validate().Select(e => e.Field));
        Assert.Empty(new JoinWaySettings(false, null, null, 500, 450).Validate());
        Assert.Empty(new JoinWaySettings(true, "小林福利群", 1, 500, 450).Validate());
    }
}
