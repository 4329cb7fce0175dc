using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;

namespace Matrix.Domain.Tests;

public sealed class ValidationTests
{
    [Theory]
    [InlineData(-1, 3000, "capacity.hardCap")]
    [InlineData(5001, 3000, "capacity.hardCap")]      // a personal account cannot hold more than 5,000
    [InlineData(5000, 6000, "capacity.softCap")]      // soft cap above the hard cap
    [InlineData(5000, -5, "capacity.softCap")]
    public void Capacity_settings_that_break_a_rule_name_the_field(int hard, int soft, string field)
    {
        var errors = new CapacitySettings { HardCap = hard, SoftCap = soft }.Validate(AccountKind.PersonalWeChat).ToList();
        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void A_WeCom_member_may_be_raised_to_twenty_thousand_but_no_further()
    {
        Assert.Empty(new CapacitySettings { HardCap = 20_000 }.Validate(AccountKind.WeCom));
        Assert.NotEmpty(new CapacitySettings { HardCap = 20_001 }.Validate(AccountKind.WeCom));
    }

    [Fact]
    public void A_channel_state_of_31_characters_is_refused()
    {
        var channel = new ChannelDefinition("Table cards", "p-1", null, new string('s', 31), [], null, []);
        var e = Assert.Throws<DomainValidationException>(() => channel.Validate("table-cards"));
        Assert.Equal("state", Assert.Single(e.Errors).Field);
        (channel with { State = new string('s', 30) }).Validate("table-cards"); // 30 is fine
    }

    [Fact]
    public void A_channel_targets_exactly_one_pool()
    {
        var both = new ChannelDefinition("x", "p-1", AccountRole.Sales, "s", [], null, []);
        Assert.Equal("pool", Assert.Single(Assert.Throws<DomainValidationException>(() => both.Validate("x")).Errors).Field);
    }

    [Fact]
    public void A_retired_account_cannot_come_back_and_changes_keep_a_history()
    {
        var account = new AccountProfile { Role = AccountRole.Traffic, Status = AccountStatus.Active };
        var at = new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);
        account.ChangeRole(AccountRole.Sales, "lead-wang", at);
        account.ChangeRole(AccountRole.Sales, "lead-wang", at); // no change, no entry
        account.ChangeStatus(AccountStatus.Retired, "lead-wang", at);
        Assert.Throws<DomainValidationException>(() => account.ChangeStatus(AccountStatus.Active, "x", at));
        Assert.Equal([("role", "Traffic", "Sales"), ("status", "Active", "Retired")], account.History.Select(h => (h.Field, h.From, h.To)));
    }
}
