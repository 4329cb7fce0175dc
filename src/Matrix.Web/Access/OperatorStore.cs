using Matrix.Domain;
using Matrix.Domain.Access;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Matrix.Web.Access;

public sealed record OperatorView(string UserName, OperatorRole Role, string? Team, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? LockedUntil);

public enum SignInOutcome { SignedIn, WrongPassword, Locked }

/// <summary>
/// The operators table (Migrations/0001_operators.sql). Passwords are hashed with ASP.NET Core's
/// <see cref="PasswordHasher{TUser}"/>; an unknown user name costs a hash too, so timing does not tell which names exist.
/// </summary>
public sealed class OperatorStore(NpgsqlDataSource db, Matrix.Grains.StoreClock clock, SignInPolicy policy)
{
    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly string DummyHash = Hasher.HashPassword(new(), "not-a-password-anyone-has");

    public async Task<bool> AnyAsync()
    {
        await using var cmd = db.CreateCommand("select exists (select 1 from operators)");
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task CreateAsync(NewOperator op, string by)
    {
        DomainValidationException.ThrowIfAny([.. op.Validate()]);
        await using var cmd = db.CreateCommand("""
            insert into operators (user_name, role, team, password_hash, created_at, created_by) values ($1, $2, $3, $4, $5, $6)
            on conflict (user_name) do nothing
            """);
        foreach (var v in new object?[] { op.UserName, op.Role.ToString(), op.Team, Hasher.HashPassword(new(), op.Password), clock.UtcNow.ToUniversalTime(), by })
            cmd.Parameters.Add(v is null ? new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new() { Value = v });
        if (await cmd.ExecuteNonQueryAsync() == 0) throw new DomainValidationException("userName", $"'{op.UserName}' is taken");
    }

    public async Task<IReadOnlyList<OperatorView>> ListAsync()
    {
        await using var cmd = db.CreateCommand("select user_name, role, team, created_at, created_by, locked_until from operators order by user_name");
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<OperatorView>();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), Enum.Parse<OperatorRole>(r.GetString(1)), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.GetString(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5)));
        return list;
    }

    /// <summary>Checks a password, counting failures toward a lock. The operator is returned only on success.</summary>
    public async Task<(SignInOutcome Outcome, OperatorView? Operator)> SignInAsync(string userName, string password)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var read = new NpgsqlCommand("select role, team, password_hash, failed_count, locked_until, created_at, created_by from operators where user_name = $1 for update", connection, tx)
            { Parameters = { new() { Value = userName } } };
        (string Role, string? Team, string Hash, int Failed, DateTimeOffset? LockedUntil, DateTimeOffset CreatedAt, string CreatedBy)? row = null;
        await using (var r = await read.ExecuteReaderAsync())
            if (await r.ReadAsync())
                row = (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
                    r.GetFieldValue<DateTimeOffset>(5), r.GetString(6));
        var now = clock.UtcNow;
        if (row is not { } o)
        {
            Hasher.VerifyHashedPassword(new(), DummyHash, password);
            return (SignInOutcome.WrongPassword, null);
        }
        if (policy.IsLocked(o.LockedUntil, now)) return (SignInOutcome.Locked, null);
        if (Hasher.VerifyHashedPassword(new(), o.Hash, password) == PasswordVerificationResult.Failed)
        {
            var (failed, lockedUntil) = policy.AfterFailure(o.Failed, now);
            await UpdateAsync(connection, tx, userName, failed, lockedUntil);
            await tx.CommitAsync();
            return (lockedUntil is null ? SignInOutcome.WrongPassword : SignInOutcome.Locked, null);
        }
        await UpdateAsync(connection, tx, userName, 0, null);
        await tx.CommitAsync();
        return (SignInOutcome.SignedIn, new(userName, Enum.Parse<OperatorRole>(o.Role), o.Team, o.CreatedAt, o.CreatedBy, null));
    }

    public async Task ChangePasswordAsync(string userName, string current, string replacement)
    {
        DomainValidationException.ThrowIfAny([.. NewOperator.CheckPassword(replacement, "newPassword")]);
        if ((await SignInAsync(userName, current)).Outcome != SignInOutcome.SignedIn)
            throw new DomainValidationException("currentPassword", "is not right");
        await using var cmd = db.CreateCommand("update operators set password_hash = $2 where user_name = $1");
        cmd.Parameters.Add(new() { Value = userName });
        cmd.Parameters.Add(new() { Value = Hasher.HashPassword(new(), replacement) });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string userName, int failed, DateTimeOffset? lockedUntil)
    {
        await using var cmd = new NpgsqlCommand("update operators set failed_count = $2, locked_until = $3 where user_name = $1", connection, tx);
        cmd.Parameters.Add(new() { Value = userName });
        cmd.Parameters.Add(new() { Value = failed });
        cmd.Parameters.Add(new() { Value = lockedUntil is { } t ? t.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync();
    }
}
