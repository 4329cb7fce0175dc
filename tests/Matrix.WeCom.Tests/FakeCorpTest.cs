using Matrix.Testing;
using Matrix.WeCom.Fake;

namespace Matrix.WeCom.Tests;

/// <summary>A client test's world: the fake WeCom server on its own port, on a clock the test moves, with one corp whose app is 1000002.</summary>
public abstract class FakeCorpTest(string corpId, string secret) : IAsyncLifetime
{
    protected const string AgentId = "1000002";
    protected string CorpId { get; } = corpId;
    protected string Secret { get; } = secret;
    protected readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    protected FakeWeComServer _wecom = null!;

    public async Task InitializeAsync()
    {
        _wecom = await new FakeWeComServer(_time).StartAsync();
        _wecom.AddCorp(new FakeCorp(CorpId, AgentId, Secret, "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"));
        Seed();
    }

    /// <summary>What the test's corp holds beyond its app (members, other apps), added once the fake is up.</summary>
    protected virtual void Seed() { }

    public async Task DisposeAsync() => await _wecom.DisposeAsync();
}
