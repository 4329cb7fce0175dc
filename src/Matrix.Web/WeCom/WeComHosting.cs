using Matrix.Grains;
using Matrix.WeCom.Api;

namespace Matrix.Web.WeCom;

internal static class WeComHosting
{
    /// <summary>The WeCom adapter: corps' settings, one API client per node (its tokens shared by every node through the database), callbacks, join ways and their counting, the full sync, the tag mirror and the outbox.</summary>
    public static IServiceCollection AddMatrixWeCom(this IServiceCollection services)
    {
        services.AddSingleton<WeComCorps>();
        services.AddSingleton<WeComTokens>();
        services.AddSingleton(sp => new WeComClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<StoreClock>().Time,
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MatrixOptions>>().Value.WeComRateLimitBackoff, sp.GetRequiredService<WeComTokens>()));
        services.AddSingleton<WeComContactWays>();
        services.AddSingleton<WeComTransfers>();
        services.AddSingleton<WeComMessages>();
        services.AddSingleton<WeComMoments>();
        services.AddSingleton<WeComOutbox>();
        services.AddSingleton<WeComTagMirror>();
        services.AddSingleton<WeComTagMarks>();
        services.AddSingleton<Grains.Customers.ICustomerTagSink>(sp => sp.GetRequiredService<WeComTagMarks>());
        services.AddSingleton<WeComSync>();
        services.AddSingleton<WeComCallbacks>();
        services.AddSingleton<WeComGroupCodes>();
        services.AddSingleton<WeComWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WeComWatcher>());
        return services;
    }
}
