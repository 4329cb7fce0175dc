using System.Globalization;
using System.Security.Claims;
using Matrix.Domain;
using Matrix.Grains.Changes;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Radzen;

namespace Matrix.Web.Components.Shared;

/// <summary>
/// A console page that loads what it shows and loads it again whenever the change feed says that kind of thing
/// changed (on any node), so the team sees a friend added or a task done without reloading. Actions go through
/// <see cref="ActAsync"/>, which turns a refused change into a message instead of a broken circuit.
/// </summary>
public abstract partial class LivePage : ComponentBase, IDisposable
{
    [Inject] private ChangeFeed Feed { get; set; } = null!;
    [Inject] private ConsoleUser Who { get; set; } = null!;
    [Inject] private NotificationService Notifications { get; set; } = null!;
    [Inject] protected IStringLocalizer<Ui> Text { get; set; } = null!;
    [Inject] private ILogger<LivePage> Logger { get; set; } = null!;
    [Inject] private Refusals Refusals { get; set; } = null!;

    /// <summary>The console's layout, told while the first load runs so it can say when the page is ready.</summary>
    [CascadingParameter] private Layout.MainLayout? Layout { get; set; }

    private bool _subscribed;
    private int _reloads; // notices not yet served: one reload runs at a time, and one more after it if any came in


    /// <summary>The signed-in person (read from the circuit's authentication state).</summary>
    protected ClaimsPrincipal User { get; private set; } = new();

    /// <summary>What this page shows: a change to any of these reloads it.</summary>
    protected abstract ChangeTopics Topics { get; }

    protected abstract Task LoadAsync();

    // The reader's language, as the request that opened the circuit set it: a reload the change feed starts runs on
    // another thread, which must speak it too.
    private CultureInfo _culture = CultureInfo.CurrentCulture, _uiCulture = CultureInfo.CurrentUICulture;

    protected override async Task OnInitializedAsync()
    {
        (_culture, _uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        var layout = RendererInfo.IsInteractive ? Layout : null;
        layout?.PageLoading();
        try
        {
            User = await Who.PrincipalAsync();
            await LoadAsync();
        }
        finally
        {
            layout?.PageLoaded();
        }
        if (RendererInfo.IsInteractive && !_subscribed)
        {
            Feed.Changed += OnChanged;
            _subscribed = true;
        }
    }

    // A busy matrix sends a notice every 250 ms; a page whose reload takes longer catches up once instead of queueing.
    private void OnChanged(ChangeTopics topics)
    {
        if ((topics & Topics) == 0 || Interlocked.Increment(ref _reloads) > 1) return;
        _ = InvokeAsync(async () =>
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (_culture, _uiCulture);
            do
            {
                Interlocked.Exchange(ref _reloads, 1);
                try
                {
                    await LoadAsync();
                    StateHasChanged();
                }
                catch (Exception ex)
                {
                    LogReloadFailed(Logger, GetType().Name, ex);
                }
            }
            while (Interlocked.Decrement(ref _reloads) > 0);
        });
    }

    /// <summary>Runs a change; true when it went through. A refusal is shown with its reason and nothing else happens.</summary>
    protected async Task<bool> ActAsync(Func<Task> action, string? doneMessage = null)
    {
        try
        {
            await action();
            if (doneMessage is not null) Notifications.Notify(NotificationSeverity.Success, doneMessage);
            await LoadAsync();
            return true;
        }
        catch (Exception ex) when (Refusals.Describe(ex) is { } reason)
        {
            Notifications.Notify(new NotificationMessage { Severity = NotificationSeverity.Error, Summary = Text["ActionRefused"], Detail = reason, Duration = 8000 });
            return false;
        }
    }

    public virtual void Dispose()
    {
        if (_subscribed) Feed.Changed -= OnChanged;
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console page {Page} failed to reload after a change notice")]
    private static partial void LogReloadFailed(ILogger logger, string page, Exception ex);
}
