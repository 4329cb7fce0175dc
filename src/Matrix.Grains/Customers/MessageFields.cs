namespace Matrix.Grains.Customers;

/// <summary>The placeholders a plan's or a campaign's template may name, for one customer.</summary>
public static class MessageFields
{
    public const string PersonaName = "persona_name";

    /// <summary>The customer's profile fields, their nickname, their last purchase's first item, the sending persona's name.</summary>
    public static Dictionary<string, string> Of(string customerId, CustomerState state, string? personaName)
    {
        var fields = new Dictionary<string, string>(state.Profile.Fields) { ["nickname"] = state.Profile.DisplayName ?? customerId };
        if (state.Purchases.Where(p => p.Counts).MaxBy(p => p.At) is { } last && last.Items.FirstOrDefault() is { } item)
            fields["last_purchase"] = item.Category ?? item.Sku;
        if (personaName is not null) fields[PersonaName] = personaName;
        return fields;
    }

    /// <summary>Whether <paramref name="template"/> names anything of the customer's (anything but the persona's name).</summary>
    public static bool NamesCustomer(string template)
    {
        for (var open = template.IndexOf('{'); open >= 0; open = template.IndexOf('{', open + 1))
        {
            var close = template.IndexOf('}', open + 1);
            if (close < 0) return false;
            if (template[(open + 1)..close] != PersonaName) return true;
        }
        return false;
    }
}
