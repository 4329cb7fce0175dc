using System.Security.Cryptography;
using Matrix.Domain;
using Matrix.Domain.Access;

namespace Matrix.Web.Access;

/// <summary>
/// On the first start, with no operator at all, makes the admin "admin" with a random one-time password and
/// prints it once. There is never a fixed default password; the admin changes it after signing in.
/// </summary>
public sealed partial class FirstAdminSetup(OperatorStore operators, AuditLog audit, ILogger<FirstAdminSetup> logger) : IHostedService
{
    public const string UserName = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await operators.AnyAsync()) return;
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
        try
        {
            await operators.CreateAsync(new NewOperator(UserName, OperatorRole.Admin, password), "first-start", mustChangePassword: true);
        }
        catch (DomainValidationException)
        {
            return; // another node starting at the same moment made it (and printed its password)
        }
        await audit.WriteAsync("first-start", "operator.created", UserName, "first admin");
        FirstAdminCreated(logger, UserName, password);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "First start: sign in at /sign-in as '{UserName}' with the one-time password {Password} and change it (POST /api/me/password).")]
    private static partial void FirstAdminCreated(ILogger logger, string userName, string password);
}
