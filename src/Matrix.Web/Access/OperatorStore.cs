using Matrix.Domain;
using Matrix.Domain.Access;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Matrix.Web.Access;

public sealed record OperatorView(string UserName, OperatorRole Role, string? Team, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? LockedUntil,
    bool Disabled = false, bool MustChangePassword = false);

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

    /// <param name="mustChangePassword">The password is one-time: good only for setting one's own (the first admin's, a reset).</param>
    public async Task CreateAsync(NewOperator op, string by, bool mustChangePassword = false)
    {
        DomainValidationException.ThrowIfAny([.. op.Validate()]);
        await using var cmd = db.CreateCommand("""
            insert into operators (user_name, role, team, password_hash, created_at, created_by, must_change_password) values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (user_name) do nothing
            """);
        foreach (var v in new object?[] { op.UserName, op.Role.ToString(), op.Team, Hasher.HashPassword(new(), op.Password), clock.UtcNow.ToUniversalTime(), by, mustChangePassword })
            cmd.Parameters.Add(v is null ? new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new() { Value = v });
        if (await cmd.ExecuteNonQueryAsync() == 0) throw DomainValidationException.Of("userName", RuleKeys.UserNameTaken, "'{0}' is taken", op.UserName);
    }

    public async Task<IReadOnlyList<OperatorView>> ListAsync()
    {
        await using var cmd = db.CreateCommand("""
            select user_name, role, team, created_at, created_by,
                   (select max(locked_until) from sign_in_failures f where f.user_name = o.user_name and f.locked_until > now()),
                   disabled_at is not null, must_change_password
              from operators o order by user_name
            """);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<OperatorView>();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), Enum.Parse<OperatorRole>(r.GetString(1)), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.GetString(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.GetBoolean(6), r.GetBoolean(7)));
        return list;
    }

    /// <summary>
    /// Checks a password, counting failures toward a lock of this user name from this client <paramref name="address"/>
    /// (sign_in_failures). The operator is returned only on success.
    /// </summary>
    public async Task<(SignInOutcome Outcome, OperatorView? Operator)> SignInAsync(string userName, string password, string address = "")
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var read = new NpgsqlCommand("""
            select o.role, o.team, o.password_hash, coalesce(f.failed_count, 0), f.locked_until, o.created_at, o.created_by, o.disabled_at is not null, o.must_change_password
              from operators o left join sign_in_failures f on f.user_name = o.user_name and f.address = $2
             where o.user_name = $1 for update of o
            """, connection, tx) { Parameters = { new() { Value = userName }, new() { Value = address } } };
        (string Role, string? Team, string Hash, int Failed, DateTimeOffset? LockedUntil, DateTimeOffset CreatedAt, string CreatedBy, bool Disabled, bool MustChange)? row = null;
        await using (var r = await read.ExecuteReaderAsync())
            if (await r.ReadAsync())
                row = (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
                    r.GetFieldValue<DateTimeOffset>(5), r.GetString(6), r.GetBoolean(7), r.GetBoolean(8));
        var now = clock.UtcNow;
        if (row is not { } o)
        {
            Hasher.VerifyHashedPassword(new(), DummyHash, password);
            return (SignInOutcome.WrongPassword, null);
        }
        if (policy.IsLocked(o.LockedUntil, now)) return (SignInOutcome.Locked, null);
        if (o.Disabled)
        {
            Hasher.VerifyHashedPassword(new(), DummyHash, password); // a disabled name costs the same as any other failure
            return (SignInOutcome.WrongPassword, null);
        }
        if (Hasher.VerifyHashedPassword(new(), o.Hash, password) == PasswordVerificationResult.Failed)
        {
            var (failed, lockedUntil) = policy.AfterFailure(o.Failed, now);
            await CountFailureAsync(connection, tx, userName, address, failed, lockedUntil);
            await tx.CommitAsync();
            return (lockedUntil is null ? SignInOutcome.WrongPassword : SignInOutcome.Locked, null);
        }
        await CountFailureAsync(connection, tx, userName, address, 0, null);
        await tx.CommitAsync();
        return (SignInOutcome.SignedIn, new(userName, Enum.Parse<OperatorRole>(o.Role), o.Team, o.CreatedAt, o.CreatedBy, null, false, o.MustChange));
    }

    public async Task ChangePasswordAsync(string userName, string current, string replacement)
    {
        DomainValidationException.ThrowIfAny([.. NewOperator.CheckPassword(replacement, "newPassword")]);
        if ((await SignInAsync(userName, current)).Outcome != SignInOutcome.SignedIn)
            throw DomainValidationException.Of("currentPassword", RuleKeys.PasswordWrong, "is not right");
        if (replacement == current) throw DomainValidationException.Of("newPassword", RuleKeys.PasswordSame, "must differ from the current password");
        await SetPasswordAsync(userName, replacement, mustChange: false);
    }

    /// <summary>An admin's reset: the operator signs in with <paramref name="password"/> once, to set their own.</summary>
    public async Task ResetPasswordAsync(string userName, string password)
    {
        DomainValidationException.ThrowIfAny([.. NewOperator.CheckPassword(password, "password")]);
        if (!await SetPasswordAsync(userName, password, mustChange: true)) throw new KeyNotFoundException($"operator {userName}");
    }

    private async Task<bool> SetPasswordAsync(string userName, string password, bool mustChange)
    {
        await using var cmd = db.CreateCommand("""
            with cleared as (delete from sign_in_failures where user_name = $1)
            update operators set password_hash = $2, must_change_password = $3 where user_name = $1
            """);
        cmd.Parameters.Add(new() { Value = userName });
        cmd.Parameters.Add(new() { Value = Hasher.HashPassword(new(), password) });
        cmd.Parameters.Add(new() { Value = mustChange });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Disables (no sign-in; the caller ends the sessions) or enables an operator.</summary>
    public Task<bool> SetDisabledAsync(string userName, bool disabled) =>
        UpdateAsync("update operators set disabled_at = case when $2 then coalesce(disabled_at, $3) end where user_name = $1", userName, disabled, clock.UtcNow.ToUniversalTime());

    public Task<bool> SetRoleAsync(string userName, OperatorRole role, string? team) =>
        UpdateAsync("update operators set role = $2, team = $3 where user_name = $1", userName, role.ToString(), (object?)team ?? DBNull.Value);

    private async Task<bool> UpdateAsync(string sql, string userName, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = userName });
        foreach (var a in args) cmd.Parameters.Add(a is DBNull ? new() { Value = a, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new() { Value = a });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    private static async Task CountFailureAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string userName, string address, int failed, DateTimeOffset? lockedUntil)
    {
        await using var cmd = new NpgsqlCommand(failed == 0 && lockedUntil is null
            ? "delete from sign_in_failures where user_name = $1 and address = $4 and $2 = 0 and $3::timestamptz is null"
            : """
              insert into sign_in_failures (user_name, address, failed_count, locked_until) values ($1, $4, $2, $3)
              on conflict (user_name, address) do update set failed_count = excluded.failed_count, locked_until = excluded.locked_until
              """, connection, tx);
        cmd.Parameters.Add(new() { Value = userName });
        cmd.Parameters.Add(new() { Value = failed });
        cmd.Parameters.Add(new() { Value = lockedUntil is { } t ? t.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = address });
        await cmd.ExecuteNonQueryAsync();
    }
}
