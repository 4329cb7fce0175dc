using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Matrix.Grains;
using Matrix.Storage.Hosting;
using Matrix.Web.Access;
using Matrix.Web.Api;
using Matrix.Web.Components;
using Matrix.Web.ConsoleModel;
using Matrix.Web.Exports;
using Matrix.Web.Campaigns;
using Matrix.Web.Referrals;
using Matrix.Web.Groups;
using Matrix.Web.WeCom;
using Matrix.Web.Segments;
using Matrix.Web.Imports;
using Matrix.Web.Reports;
using Orleans.Dashboard;
using Microsoft.AspNetCore.Localization;

namespace Matrix.Web.Hosting;

/// <summary>Everything Matrix registers and maps, so Program.cs stays a few lines.</summary>
public static class MatrixHosting
{
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    public static WebApplicationBuilder AddMatrix(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(DatabaseHosting.ConnectionName)
            ?? throw new InvalidOperationException("ConnectionStrings:Matrix is not set and the embedded database did not start.");
        // Storage first: its migrator must finish before the silo's providers touch Orleans's tables.
        builder.Services.AddMatrixStorage(connectionString);
        builder.Services.AddMigrations(typeof(MatrixHosting).Assembly, order: 200);
        var silo = builder.Configuration.GetSection("Matrix:Silo").Get<SiloSettings>() ?? new SiloSettings();
        builder.UseOrleans(o =>
        {
            o.UseMatrixPostgres(silo);
            // Orleans's dashboard samples every counter each second by default: at a million customers that sampling
            // alone took an eighth of a core. Every ten seconds keeps its graphs (100 samples: the last quarter hour).
            o.AddDashboard(d => d.CounterUpdateIntervalMs = 10_000);
            o.Services.AddMatrixGrains(m => builder.Configuration.GetSection("Matrix").Bind(m));
        });
        builder.Services.Configure<Matrix.Domain.Customers.CustomerSettings>(builder.Configuration.GetSection("Matrix:Customers"));
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // Enums by name only: a number (even a defined one) is refused, naming the field, as is a name not defined.
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(allowIntegerValues: false));
            // A missing or null value where the contract has no '?' is a 400 naming the field, not a null downstream.
            o.SerializerOptions.RespectNullableAnnotations = true;
            o.SerializerOptions.RespectRequiredConstructorParameters = true;
        });
        builder.Services.AddLocalization(o => o.ResourcesPath = "Resources");
        // Chinese text goes out as text, not as numeric character references.
        builder.Services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddMatrixConsole();
        builder.Services.AddMatrixWeCom();
        // Run from a build (ops/run.sh, the tests) rather than a publish, package assets (Blazor's script, Radzen's
        // themes) are found through the build's manifest, which ASP.NET Core reads by itself only in Development.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        builder.Services.AddMatrixAccess();
        builder.Services.AddSharedDataProtection();
        builder.Services.AddTrustedProxies(builder.Configuration);
        builder.Services.AddMatrixRateLimits(builder.Configuration);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = AccessHosting.MaxBodyBytes);
        return builder;
    }

    public static WebApplication MapMatrix(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseRateLimiter();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("zh-CN"),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
            // Chinese unless the user picked English: the browser's language is not asked (the team works in Chinese).
            RequestCultureProviders = [new QueryStringRequestCultureProvider(), new CookieRequestCultureProvider()],
        });
        app.UseMatrixAccess();
        app.UseScopes();
        app.UseInputGuard();
        app.UseAntiforgery();

        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapAccessApi();
        app.MapPersonaApi();
        app.MapAccountApi();
        app.MapChannelApi();
        app.MapEventApi();
        app.MapLiveCode();
        app.MapGroupCode();
        app.MapTaskApi();
        app.MapCustomerApi();
        app.MapAlertApi();
        app.MapPlanApi();
        app.MapCalendarApi();
        app.MapTemplateApi();
        app.MapExportApi();
        app.MapImportApi();
        app.MapReportApi();
        app.MapSegmentApi();
        app.MapCampaignApi();
        app.MapReferralApi();
        app.MapGroupCodeApi();
        app.MapWeCom();
        app.MapOpenApi();
        // Orleans's dashboard: the cluster's silos, grains and reminders, for admins only (the console's sign-in).
        app.MapOrleansDashboard("/dashboard").RequireAuthorization("admin").ExcludeFromDescription();
        app.MapGet("/culture/{culture}", (string culture, string? returnUrl, HttpContext http) =>
        {
            if (Cultures.Any(c => c.Name == culture))
                http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { MaxAge = TimeSpan.FromDays(365), IsEssential = true, SameSite = SameSiteMode.Lax });
            return Results.LocalRedirect(ReturnUrl.LocalOr(returnUrl, "/"));
        }).ExcludeFromDescription().AllowAnonymous();
        // Styles, scripts and fonts (the console's, Radzen's, Blazor's): the sign-in and live code pages need them too.
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) Console.WriteLine($"Matrix console: {url}  (health: {url.TrimEnd('/')}/health)");
        });
        return app;
    }
}
