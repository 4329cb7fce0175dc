using Matrix.Domain;
using System.Security.Claims;
using Matrix.Web.Access;
using Matrix.WeCom.Callbacks;

namespace Matrix.Web.WeCom;

public sealed record ContactWayRequest(string? CorpId);

internal static class WeComEndpoints
{
    public static void MapWeCom(this IEndpointRouteBuilder app)
    {
        var corps = app.MapGroup("/api/wecom/corps").WithTags("WeCom");

        // The corps Matrix is connected to (admins): never their secrets.
        corps.MapGet("", (WeComCorps store, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return store.ListAsync();
        });

        // Connects a corp's app (admins): agentId, secret, the callback token and EncodingAESKey, optionally apiBase.
        // The answer is the corp as saved with WeCom's word on the app (its name, or what is wrong).
        corps.MapPut("/{corpId}", async (string corpId, WeComCorpRequest request, WeComCorps store, AuditLog audit, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            await store.SaveAsync(corpId, request, AccessService.ViewerOf(user).Name);
            await audit.WriteAsync(AccessService.ViewerOf(user).Name, "wecom.corp.saved", corpId);
            return await store.CheckAsync(corpId);
        });

        // Asks WeCom about the corp's app again (admins), as a save does: once the admin has fixed it on WeCom's side.
        corps.MapPost("/{corpId}/check", (string corpId, WeComCorps store, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return store.CheckAsync(corpId);
        });

        // Re-homes through WeCom's transfer API (admins): each customer's transfer and how it ended; sync sends what is
        // unsent and asks WeCom about what waits (the sweep does both every few minutes).
        var transfers = app.MapGroup("/api/wecom/transfers").WithTags("WeCom");
        transfers.MapGet("", (WeComTransfers store, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return store.ListAsync();
        });
        transfers.MapPost("/sync", async (WeComTransfers store, WeComCorps corps, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            if ((await corps.ListAsync()).Count == 0) throw DomainValidationException.Of("corpId", RuleKeys.Required, "no WeCom corp is connected");
            await store.SubmitAsync();
            await store.PollAsync();
            return await store.ListAsync();
        });

        // Message tasks of WeCom accounts sent as mass messages (admins): each task's message and WeCom's result; sync
        // sends what is due and unsent and reads the results of what waits (the sweep does both every few minutes).
        var messages = app.MapGroup("/api/wecom/messages").WithTags("WeCom");
        messages.MapGet("", (WeComMessages store, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return store.ListAsync();
        });
        messages.MapPost("/sync", async (WeComMessages store, WeComCorps corps, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            if ((await corps.ListAsync()).Count == 0) throw DomainValidationException.Of("corpId", RuleKeys.Required, "no WeCom corp is connected");
            await store.SendDueAsync();
            await store.PollAsync();
            return await store.ListAsync();
        });

        // Moments tasks of WeCom accounts sent as enterprise Moments jobs (admins): each copy's job and its end.
        var moments = app.MapGroup("/api/wecom/moments").WithTags("WeCom");
        moments.MapGet("", (WeComMoments store, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return store.ListAsync();
        });
        moments.MapPost("/sync", async (WeComMoments store, WeComCorps corps, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            if ((await corps.ListAsync()).Count == 0) throw DomainValidationException.Of("corpId", RuleKeys.Required, "no WeCom corp is connected");
            await store.SendDueAsync();
            await store.PollAsync();
            return await store.ListAsync();
        });

        // The full sync (admins): each corp's and WeCom account's last sync, last error and next retry, the tag mirror
        // with its conflicts, and the outbox. POST asks for a full sync of every corp now (202: it runs in the background).
        var sync = app.MapGroup("/api/wecom/sync").WithTags("WeCom");
        sync.MapGet("", (WeComSync store, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return store.StatusAsync();
        });
        sync.MapPost("", async (WeComSync store, WeComCorps corps, WeComWatcher watcher, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            if ((await corps.ListAsync()).Count == 0) throw DomainValidationException.Of("corpId", RuleKeys.Required, "no WeCom corp is connected");
            await store.RequestAsync();
            watcher.SyncRequested();
            return Results.Accepted("/api/wecom/sync", await store.StatusAsync());
        });

        // A call in the outbox tried again at once (admins), after a person fixed what WeCom refused.
        app.MapPost("/api/wecom/outbox/{id:long}/retry", async (long id, WeComOutbox outbox, ClaimsPrincipal user) =>
        {
            RequireAdmin(user);
            return await outbox.RetryAsync(id) ? Results.NoContent() : Results.NotFound();
        }).WithTags("WeCom");

        // A channel's WeCom accounts as a 「联系我」 contact way on a connected corp: its members follow the accounts with room.
        var ways = app.MapGroup("/api/channels/{channelId}/wecom").WithTags("WeCom");
        ways.MapGet("", async (string channelId, WeComContactWays contactWays) =>
            await contactWays.GetAsync(channelId) is { } way ? Results.Ok(way) : Results.NotFound()).Scoped(ScopeKind.Channel, param: "channelId");
        ways.MapPut("", async (string channelId, ContactWayRequest request, WeComContactWays contactWays, AuditLog audit, ClaimsPrincipal user) =>
        {
            var way = await contactWays.ConnectAsync(channelId, request.CorpId, AccessService.ViewerOf(user).Name);
            await audit.WriteAsync(AccessService.ViewerOf(user).Name, "wecom.contact-way.connected", channelId, way.CorpId);
            return way;
        }).Scoped(ScopeKind.Channel, manage: true, param: "channelId");
        ways.MapDelete("", async (string channelId, WeComContactWays contactWays, AuditLog audit, ClaimsPrincipal user) =>
        {
            if (!await contactWays.DisconnectAsync(channelId)) return Results.NotFound();
            await audit.WriteAsync(AccessService.ViewerOf(user).Name, "wecom.contact-way.deleted", channelId);
            return Results.NoContent();
        }).Scoped(ScopeKind.Channel, manage: true, param: "channelId");

        // WeCom's checks of the callback address: the decrypted echo as the whole body.
        app.MapGet("/wecom/callback/{corpId}", async (string corpId, string? msg_signature, string? timestamp, string? nonce, string? echostr, WeComCorps store) =>
        {
            if (await store.GetAsync(corpId) is not { } corp) return Results.NotFound();
            try
            {
                return Results.Text(corp.Crypto.VerifyUrl(msg_signature ?? "", timestamp ?? "", nonce ?? "", echostr ?? ""));
            }
            catch (WeComCryptoException e)
            {
                return Results.Problem(statusCode: 400, title: "The callback could not be verified.", detail: $"{e.Code}: {e.Message}");
            }
        }).WithTags("WeCom").ExcludeFromDescription().AllowAnonymous();

        // A corp's events: verified, decrypted and turned into Matrix's own events, then answered "success" (WeCom
        // sends again what is not answered within 5 seconds; the events' own identity makes that harmless).
        app.MapPost("/wecom/callback/{corpId}", async (string corpId, string? msg_signature, string? timestamp, string? nonce, HttpRequest request, WeComCorps store,
            WeComCallbacks callbacks) =>
        {
            if (await store.GetAsync(corpId) is not { } corp) return Results.NotFound();
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            string xml;
            try
            {
                xml = corp.Crypto.DecryptMessage(msg_signature ?? "", timestamp ?? "", nonce ?? "", body);
            }
            catch (WeComCryptoException e)
            {
                return Results.Problem(statusCode: 400, title: "The callback could not be verified.", detail: $"{e.Code}: {e.Message}");
            }
            if (WeComEvent.Parse(xml) is { } change) await callbacks.HandleAsync(corp, change);
            return Results.Text("success");
        }).WithTags("WeCom").ExcludeFromDescription().AllowAnonymous().DisableAntiforgery();
    }

    private static void RequireAdmin(ClaimsPrincipal user)
    {
        if (!AccessService.ViewerOf(user).IsAdmin) throw new AccessDeniedException("only an admin connects WeCom");
    }
}
