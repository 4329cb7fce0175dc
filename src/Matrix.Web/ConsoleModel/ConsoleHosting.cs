using Radzen;

namespace Matrix.Web.ConsoleModel;

public static class ConsoleHosting
{
    /// <summary>
    /// The console: interactive server components (one circuit per open tab, on the node that served the page),
    /// Radzen's widgets, and the small services its pages reach the matrix through.
    /// </summary>
    public static IServiceCollection AddMatrixConsole(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionRevalidation>();
        services.AddScoped<ConsoleUser>();
        services.AddSingleton<Microsoft.Extensions.Localization.IStringLocalizer<Ui>, UiText>();
        services.AddSingleton<Refusals>();
        services.AddSingleton<AccountDesk>();
        services.AddSingleton<ChannelDesk>();
        services.AddSingleton<TaskDesk>();
        services.AddSingleton<DashboardDesk>();
        services.AddSingleton<PlanDesk>();
        services.AddSingleton<CalendarDesk>();
        services.AddSingleton<CustomerDesk>();
        services.AddSingleton<OperatorDesk>();
        services.AddSingleton<TagDesk>();
        services.AddSingleton<Exports.ExportDesk>();
        services.AddSingleton<Imports.ImportDesk>();
        services.AddSingleton<Reports.ReportScopes>();
        services.AddSingleton<Reports.ReportDesk>();
        services.AddSingleton<Reports.ActivityDesk>();
        services.AddSingleton<Segments.SegmentDesk>();
        services.AddSingleton<Campaigns.CampaignDesk>();
        services.AddSingleton<Referrals.ReferralDesk>();
        services.AddSingleton<Groups.GroupCodeDesk>();
        return services;
    }
}
