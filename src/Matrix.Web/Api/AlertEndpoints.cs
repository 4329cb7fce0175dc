using System.Security.Claims;
using Matrix.Grains.Capacity;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

internal static class AlertEndpoints
{
    /// <summary>
    /// Open alerts, newest first. A "pool full" alert whose channel has room again (a new sibling, a lapsed slot) is
    /// resolved as it is read, so the list only shows what still needs someone.
    /// </summary>
    public static void MapAlertApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/alerts", async (CapacityLedger ledger, LiveCodeService liveCodes, AccessService access, ClaimsPrincipal user) =>
        {
            var open = new List<Alert>();
            foreach (var alert in await ledger.OpenAlertsAsync())
            {
                if (alert.Kind == "pool-full" && await liveCodes.HasRoomAsync(alert.SubjectId) != false) await ledger.ResolveAlertAsync(alert.Id);
                else if (await access.SeesAsync(() => access.ChannelAsync(user, alert.SubjectId))) open.Add(alert); // pool-full alerts are about channels
            }
            return open;
        }).WithTags("Alerts");
}
