using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Matrix.Web.Hosting;

/// <summary>Request limits (configuration section <c>Matrix:RateLimits</c>); each a token bucket refilled every <see cref="Period"/>.</summary>
public sealed class RateLimitSettings
{
    /// <summary>
    /// The period the per-address and per-channel limits are counted over; the bucket is refilled whole at each period's
    /// end. Default one minute. A longer one is stricter for the same numbers (tests use it to keep a script inside one period).
    /// </summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Live code scans one client address may make per period (a minute by default). Default 20: a family at one table, not a script.</summary>
    public int LiveCodePerAddress { get; set; } = 20;

    /// <summary>Scans of one live code per period from everyone together. Default 600: a queue at a till, not a flood.</summary>
    public int LiveCodePerChannel { get; set; } = 600;

    /// <summary>Sign-in attempts one client address may make per period. Default 10.</summary>
    public int SignInPerAddress { get; set; } = 10;

    /// <summary>Sign-in attempts for one user name per 15 minutes, from all addresses together. Default 30.</summary>
    public int SignInPerUser { get; set; } = 30;
}

/// <summary>
/// ASP.NET Core's rate limiter in front of what anyone can call: the live code page and a referral poster's page (per
/// client address and per channel or campaign) and sign-in (per address here, per user name in <see cref="SignInThrottle"/>). Over a limit: 429 with
/// Retry-After and a problem+json body. The client address is the one the trusted proxy forwarded.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddMatrixRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection("Matrix:RateLimits").Get<RateLimitSettings>() ?? new RateLimitSettings();
        if (settings.Period <= TimeSpan.Zero)
            throw new InvalidOperationException($"Matrix:RateLimits:Period must be positive; it is {settings.Period}.");
        services.AddSingleton(settings);
        services.AddSingleton<SignInThrottle>();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => LiveCodeChannel(http) is not null
                    ? Bucket("scan@" + Address(http), settings.LiveCodePerAddress, settings.Period)
                    : IsSignIn(http) ? Bucket("sign-in@" + Address(http), settings.SignInPerAddress, settings.Period)
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(http => LiveCodeChannel(http) is { } channel
                    ? Bucket("channel:" + channel, settings.LiveCodePerChannel, settings.Period)
                    : RateLimitPartition.GetNoLimiter("")));
            o.OnRejected = (context, cancellationToken) => RejectAsync(context.HttpContext,
                context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60), cancellationToken);
        });
        return services;
    }

    /// <summary>429 with Retry-After (whole seconds) and a problem+json body.</summary>
    public static async ValueTask RejectAsync(HttpContext http, TimeSpan retryAfter, CancellationToken cancellationToken = default)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: $"Too many requests; try again in {seconds} s.").ExecuteAsync(http);
    }

    private static RateLimitPartition<string> Bucket(string key, int perPeriod, TimeSpan period) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perPeriod, TokensPerPeriod = perPeriod, ReplenishmentPeriod = period, QueueLimit = 0, AutoReplenishment = true,
        });

    private static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    // A referral poster's page (/r/{campaign}/{token}) is limited as its campaign's code (every inviter's poster
    // together); a group code's page (/g/{code}) as a live code of its own.
    private static string? LiveCodeChannel(HttpContext http) =>
        !HttpMethods.IsGet(http.Request.Method) ? null
        : http.Request.Path.StartsWithSegments("/c", out var rest) && rest.Value is { Length: > 1 } r ? r[1..]
        : http.Request.Path.StartsWithSegments("/r", out var poster) && poster.Value is { Length: > 1 } p ? "r/" + p[1..].Split('/')[0]
        : http.Request.Path.StartsWithSegments("/g", out var group) && group.Value is { Length: > 1 } g ? "g/" + g[1..] : null;

    private static bool IsSignIn(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && (http.Request.Path.Equals("/api/auth/sign-in") || http.Request.Path.Equals("/auth/sign-in"));
}

/// <summary>
/// Sign-in attempts per user name, from all addresses together: a slow, wide guess at one name is stopped here,
/// while failures counted toward the lockout are per name and address (OperatorStore), so one address failing
/// cannot lock the operator out for everyone else.
/// </summary>
public sealed class SignInThrottle(RateLimitSettings settings) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perUser = PartitionedRateLimiter.Create<string, string>(user =>
        RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.SignInPerUser, Window = TimeSpan.FromMinutes(15), QueueLimit = 0, AutoReplenishment = true,
        }));

    /// <summary>Null when the attempt may go on; otherwise how long to wait.</summary>
    public TimeSpan? Attempt(string userName)
    {
        using var lease = _perUser.AttemptAcquire(userName.ToLowerInvariant());
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(15);
    }

    public void Dispose() => _perUser.Dispose();
}
