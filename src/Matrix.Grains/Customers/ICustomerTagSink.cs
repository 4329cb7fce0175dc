namespace Matrix.Grains.Customers;

/// <summary>
/// Told when a person or an import changed a customer's tags in Matrix, after the change is saved: where the tags
/// live beyond Matrix too (a WeCom corp's marks on the customer) they follow. Telling twice (a retried request) must
/// be harmless.
/// </summary>
public interface ICustomerTagSink
{
    Task TagsChangedAsync(string customerId, IReadOnlyList<string> added, IReadOnlyList<string> removed);
}
