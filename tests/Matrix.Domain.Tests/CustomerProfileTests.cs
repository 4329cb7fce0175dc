using Matrix.Domain.Customers;

namespace Matrix.Domain.Tests;

public sealed class CustomerProfileTests
{
    [Fact]
    public void A_sound_profile_passes() =>
        Assert.Empty(new CustomerProfile("王女士", "左眼散光", "+86 138-0000-0000", "wx_friend",
            new Dictionary<string, string> { ["birthday"] = "1990-12-05", ["child_age"] = "7" }).Validate("wx_me"));

    [Fact]
    public void Changed_attributes_are_the_added_removed_and_changed_keys()
    {
        var before = new CustomerProfile(Attributes: new Dictionary<string, string> { ["birthday"] = "1990-12-05", ["child_age"] = "7", ["city"] = "杭州" });
        var after = new CustomerProfile(Attributes: new Dictionary<string, string> { ["birthday"] = "1990-12-06", ["city"] = "杭州", ["lens"] = "-3.25" });
        Assert.Equal(["birthday", "child_age", "lens"], before.ChangedAttributes(after));
        Assert.Empty(after.ChangedAttributes(after));
    }

    [Fact]
    public void Each_broken_field_is_named()
    {
        var profile = new CustomerProfile(new string('名', 65), null, "call me", "wx_me",
            new Dictionary<string, string> { ["Birthday!"] = "x", ["note"] = new string('x', 201) });
        Assert.Equal(["displayName", "phone", "referrerId", "attributes.Birthday!", "attributes.note"], profile.Validate("wx_me").Select(e => e.Field));
    }

    [Fact]
    public void An_attribute_is_a_date_only_when_written_as_one()
    {
        var profile = new CustomerProfile(Attributes: new Dictionary<string, string> { ["birthday"] = "1990-12-05", ["expiry"] = "05/12/2026" });
        Assert.Equal(new DateOnly(1990, 12, 5), profile.DateOf("birthday"));
        Assert.Null(profile.DateOf("expiry"));
        Assert.Null(profile.DateOf("missing"));
    }

    [Fact]
    public void The_tag_catalog_keeps_one_spelling_per_idea()
    {
        var catalog = TagCatalog.Empty.WithDimension("interest", ["近视", "防蓝光"]).WithDimension("life stage", ["学生", "宝妈"]);
        Assert.True(catalog.Contains("宝妈"));
        Assert.Equal(["tags"], catalog.Unknown(["近视", "老花"]).Select(e => e.Field));
        var clash = Assert.Throws<DomainValidationException>(() => catalog.WithDimension("source", ["学生"]));
        Assert.Contains("already in dimension 'life stage'", clash.Message);
        Assert.Throws<DomainValidationException>(() => catalog.WithDimension("source", ["门店", "门店"]));
        Assert.Equal(["近视", "防蓝光", "老花"], catalog.WithDimension("interest", ["近视", "防蓝光", "老花"]).Dimensions["interest"]);
    }
}
