namespace Matrix.Web.Tests;

/// <summary>
/// Tests that start real Matrix processes (and some their own PostgreSQL) run alone, not beside other test classes:
/// two extra nodes on two cores would slow the other tests' nodes past deadlines that are the product's own (WeCom
/// gives up on a callback not answered within 5 seconds, three times).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealProcesses
{
    public const string Name = "real processes";
}
