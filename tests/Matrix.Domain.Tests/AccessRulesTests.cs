using Matrix.Domain.Access;

namespace Matrix.Domain.Tests;

public sealed class AccessRulesTests
{
    private static readonly Viewer Admin = new("root", OperatorRole.Admin, null);
    private static readonly Viewer Lead = new("lead-n", OperatorRole.Lead, "north");
    private static readonly Viewer Operator = new("op-n", OperatorRole.Operator, "north");
    private static readonly Viewer Key = new("key:till", null, null, new HashSet<string> { "a-1" });

    [Theory]
    [InlineData("a-1", "north", "op-n", true, true, true, true)]
    [InlineData("a-2", "north", "op-other", true, true, false, false)] // the lead sees the team's; the operator only what they hold
    [InlineData("a-3", "south", "op-s", true, false, false, false)]
    [InlineData("a-4", null, null, true, false, false, false)] // no team: admins only
    public void Who_sees_an_account(string id, string? team, string? holder, bool admin, bool lead, bool op, bool key)
    {
        Assert.Equal(admin, Admin.SeesAccount(id, team, holder));
        Assert.Equal(lead, Lead.SeesAccount(id, team, holder));
        Assert.Equal(op, Operator.SeesAccount(id, team, holder));
        Assert.Equal(key, Key.SeesAccount(id, team, holder));
    }

    [Fact]
    public void A_key_for_all_accounts_sees_every_one() =>
        Assert.True(new Viewer("key:all", null, null, new HashSet<string> { Viewer.AllAccounts }).SeesAccount("a-9", "south", null));

    [Fact]
    public void A_persona_is_seen_through_its_team_or_its_accounts()
    {
        Assert.True(Lead.SeesPersona("north", []));
        Assert.False(Lead.SeesPersona("south", []));
        Assert.True(Operator.SeesPersona("south", [("a-1", "south", "op-n")])); // they hold one of its accounts
        Assert.False(Operator.SeesPersona("north", [])); // an operator sees personas only through accounts
        Assert.True(Lead.ManagesTeam("north"));
        Assert.False(Lead.ManagesTeam("south"));
        Assert.False(Operator.ManagesTeam("north"));
    }

    [Fact]
    public void Five_failures_in_a_row_lock_for_fifteen_minutes()
    {
        var policy = new SignInPolicy();
        var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
        var failures = 0;
        DateTimeOffset? locked = null;
        for (var i = 0; i < 4; i++) (failures, locked) = policy.AfterFailure(failures, now);
        Assert.Equal((4, null), (failures, locked));
        (failures, locked) = policy.AfterFailure(failures, now);
        Assert.Equal((0, now.AddMinutes(15)), (failures, locked));
        Assert.True(policy.IsLocked(locked, now.AddMinutes(14)));
        Assert.False(policy.IsLocked(locked, now.AddMinutes(15)));
    }

    [Fact]
    public void A_new_operator_is_checked_field_by_field() =>
        Assert.Equal(["userName", "team", "password"], new NewOperator("a b", OperatorRole.Operator, "short").Validate().Select(e => e.Field));
}
