namespace Matrix.Domain.Accounts;

/// <summary>What an account is for (DOMAIN.md, "Roles"). Keeping them apart is the point of the matrix.</summary>
public enum AccountRole { Traffic, Sales, Trainer, Service }

public enum AccountStatus { WarmingUp, Active, Restricted, Banned, Retired }

/// <summary>A personal WeChat account (people act, Matrix plans) or a WeCom member (its official API may be automated).</summary>
public enum AccountKind { PersonalWeChat, WeCom }

public static class AccountStatusRules
{
    /// <summary>Only these take new friends; a restricted, banned or retired account never does.</summary>
    public static bool AcceptsFriends(this AccountStatus status) => status is AccountStatus.Active or AccountStatus.WarmingUp;
}
