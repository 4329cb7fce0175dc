using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Domain.Moments;
using Matrix.Grains.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Grains.Customers;
using Matrix.Grains.FollowUps;
using Matrix.Grains.Moments;
using Matrix.Grains.Personas;

namespace Matrix.Grains.Demo;

/// <summary>What a demo load made.</summary>
public sealed record DemoSummary(int Personas, int Accounts, int Channels, int Customers, int Purchases, int Plans, int Posts);

/// <summary>
/// A living matrix in one call, for a newcomer's first look and for benchmarks: an eyewear chain with 3 personas,
/// 8 accounts across the four roles, 4 channels, customers arriving over the last 30 days with purchases and tags,
/// 4 follow-up plans and two weeks of Moments. Everything goes through the same services the API uses, so the demo
/// obeys every rule (caps, budgets off, calendar rules). Seeded: the same size gives the same matrix.
/// </summary>
public sealed class DemoMatrix(IGrainFactory grains, MatrixDirectory directory, FriendEventService friends, PurchaseService purchases,
    FollowUpService followUps, CustomerProfileService profiles, ChannelStats stats, StoreClock clock)
{
    public const int DefaultCustomers = 2_000;

    private static readonly (string Id, PersonaDetails Details)[] Personas =
    [
        ("p-demo-optician", new("视光师小林", null, "配一副看得清的好眼镜", new PersonaProfile(29, "耐心细致", "验光师", "十年验光经验，门店首席验光师", "跑步、摄影", "专业但亲切"))),
        ("p-demo-stylist", new("搭配师安琪", null, "镜框也是穿搭的一部分", new PersonaProfile(26, "活泼", "形象搭配师", "服装设计出身", "看展、咖啡", "轻松活泼"))),
        ("p-demo-manager", new("店长阿杰", null, "有问题随时找我", new PersonaProfile(35, "可靠", "门店店长", "连锁门店店长五年", "钓鱼", "稳重热情"))),
    ];

    private static readonly (string WeChatId, int Persona, AccountRole Role, AccountStatus Status)[] Accounts =
    [
        ("lin_optics_01", 0, AccountRole.Traffic, AccountStatus.Active),
        ("lin_optics_02", 0, AccountRole.Sales, AccountStatus.Active),
        ("lin_optics_03", 0, AccountRole.Sales, AccountStatus.WarmingUp),
        ("angie_style_01", 1, AccountRole.Sales, AccountStatus.Active),
        ("angie_style_02", 1, AccountRole.Trainer, AccountStatus.Active),
        ("jie_store_01", 2, AccountRole.Service, AccountStatus.Active),
        ("jie_store_02", 2, AccountRole.Service, AccountStatus.Active),
        ("jie_store_03", 2, AccountRole.Traffic, AccountStatus.Active),
    ];

    private static readonly (string Id, ChannelDefinition Definition)[] Channels =
    [
        ("table-card", new("验光台桌卡", "p-demo-optician", null, "table_card", ["到店"], null, [])),
        ("checkout", new("收银台", "p-demo-stylist", null, "checkout", ["到店", "已购"], "您好，我是安琪，镜框搭配有任何问题都可以问我～", [])),
        ("package-insert", new("包裹卡", "p-demo-manager", null, "package_insert", ["电商"], null, [])),
        ("partner-shop", new("合作商户", "p-demo-optician", null, "partner_shop", ["异业合作"], null, [])),
    ];

    // The channels' tags come from the list, as in the console; the second dimension is for people to give.
    private static readonly (string Dimension, string[] Tags)[] TagList =
    [
        ("来源", ["到店", "已购", "电商", "异业合作"]),
        ("需求", ["配镜", "隐形眼镜", "太阳镜", "护眼"]),
    ];

    private static readonly string[] Categories = ["lens", "frames", "sunglasses", "contacts"];

    // Customers are saved by surname and title, as a shop assistant types them into WeChat remarks.
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"];
    private static readonly string[] Titles = ["女士", "先生", "同学", "阿姨"];

    /// <summary>Loads the demo into an empty matrix (refused once any account exists, so nothing real is mixed in).</summary>
    public async Task<DemoSummary> LoadAsync(int customers = DefaultCustomers, string by = "demo", CancellationToken cancellationToken = default)
    {
        if (customers is < 0 or > 200_000) throw Domain.DomainValidationException.Of("customers", Domain.RuleKeys.Between, "must be between {0} and {1}", 0, 200_000);
        if ((await directory.AccountsAsync()).Count > 0) throw Domain.DomainValidationException.Of("demo", Domain.RuleKeys.DemoNotEmpty, "the matrix already has accounts; the demo loads only into an empty one");
        var random = new Random(customers);
        var now = clock.UtcNow;

        foreach (var (id, details) in Personas) await grains.Get<IPersonaGrain>(id).Create(details);
        var accountIds = new List<(string Id, int Persona)>();
        foreach (var (weChatId, persona, role, status) in Accounts)
        {
            var id = $"a-demo-{weChatId.Replace('_', '-')}";
            // The default budgets: past arrivals count on their own day, so thirty days of them do not fill today's.
            var settings = new AccountSettings(weChatId, AccountKind.PersonalWeChat, 1, null, null, new CapacitySettings(), Roster.AlwaysOn);
            await grains.Get<IAccountGrain>(id).Create(settings, Personas[persona].Id, role, status, by);
            accountIds.Add((id, persona));
        }
        foreach (var (dimension, tags) in TagList) await grains.Get<Customers.ITagCatalogGrain>(Customers.TagCatalogGrain.Key).Define(dimension, tags);
        foreach (var (id, definition) in Channels) await grains.Get<IChannelGrain>(id).Create(definition);

        FollowUpPlan[] plans =
        [
            new("新好友三日问候", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(), new CalendarSpan(0, 3, new TimeSpan(10, 0, 0)), null,
                "{nickname}您好，我是{persona_name}，眼镜戴着还习惯吗？有任何不适随时告诉我。", new PlanEnd()),
            new("镜片复查提醒", new PlanTrigger(TriggerKind.Purchase, Category: "lens"), new PlanFilter(), new CalendarSpan(3, 0, new TimeSpan(10, 30, 0)),
                new CalendarSpan(6, 0, TimeSpan.Zero), "{nickname}您好，距离上次配镜已经有一段时间了，欢迎回店免费复查视力。", new PlanEnd()),
            new("镜框保养", new PlanTrigger(TriggerKind.Purchase, Category: "frames"), new PlanFilter(), new CalendarSpan(0, 7, new TimeSpan(19, 0, 0)), null,
                "{nickname}，新镜框戴了一周啦，记得用镜布轻擦，螺丝松了来店里免费调整。", new PlanEnd()),
            new("一个月未回复关怀", new PlanTrigger(TriggerKind.NoReply, Days: 30), new PlanFilter(), new CalendarSpan(0, 0, new TimeSpan(11, 0, 0)), null,
                "{nickname}最近好吗？店里新到了一批轻量镜框，有空来试戴～", new PlanEnd(WhenReplies: true)),
        ];
        // Plans whose touches lie ahead of every demo customer start as they arrive (the lens check three months on,
        // the month without a reply); those a past arrival would already have missed start after them, for new
        // arrivals only, so the demo does not open with a month of overdue greetings.
        await followUps.CreatePlanAsync("plan-demo-2", plans[1]);
        await followUps.CreatePlanAsync("plan-demo-4", plans[3]);

        var purchaseCount = 0;
        for (var i = 0; i < customers; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (channelId, channel) = Channels[random.Next(Channels.Length)];
            var pool = accountIds.Where(a => Personas[a.Persona].Id == channel.PersonaId).ToList();
            var account = pool[i % pool.Count].Id;
            var customer = $"wx_demo_{i:D6}";
            var addedAt = now.AddDays(-random.Next(0, 30)).AddMinutes(-random.Next(0, 600));
            // Every friend scanned first; about one scan in four did not end in an add.
            stats.Count(channelId, full: false, addedAt);
            if (random.NextDouble() < 0.33) stats.Count(channelId, full: false, addedAt);
            await friends.AddedAsync(new FriendAddedEvent(account, customer, addedAt, $"demo:{customer}", channelId));
            await profiles.UpdateAsync(customer, new CustomerProfile(Surnames[random.Next(Surnames.Length)] + Titles[random.Next(Titles.Length)],
                Phone: $"139{random.Next(0, 100_000_000):D8}"), by);
            if (random.NextDouble() < 0.4)
            {
                var category = Categories[random.Next(Categories.Length)];
                var at = addedAt.AddHours(random.Next(1, 48));
                if (at > now) at = now;
                await purchases.PurchaseAsync(new PurchaseEvent($"demo-order-{i:D6}", 200 + random.Next(0, 40) * 50, at,
                    [new PurchaseItem($"SKU-{category}-{random.Next(1, 20)}", 1, category)], CustomerId: customer, AccountId: account));
                purchaseCount++;
            }
        }

        await followUps.CreatePlanAsync("plan-demo-1", plans[0]);
        await followUps.CreatePlanAsync("plan-demo-3", plans[2]);

        await stats.FlushAsync(cancellationToken);
        var posts = 0;
        foreach (var (personaId, _) in Personas) posts += await PlanTwoWeeksAsync(personaId);
        return new DemoSummary(Personas.Length, Accounts.Length, Channels.Length, customers, purchaseCount, plans.Length, posts);
    }

    /// <summary>One post a day at 10:00 (an offer on Fridays) and an evening one every other day, from today's slots still ahead.</summary>
    private async Task<int> PlanTwoWeeksAsync(string personaId)
    {
        string[] texts = ["今天给大家讲讲如何判断镜片是否需要更换", "周末去拍了一组街景，分享给大家", "新到的钛架镜框，轻到几乎感觉不到", "用眼20分钟，看远处20秒，记得让眼睛休息"];
        var batch = new List<NewPost>();
        var first = clock.Today;
        var soonest = clock.LocalNow.AddMinutes(30); // a slot less than half an hour away is left out: nobody could prepare it
        for (var d = 0; d < 14; d++)
        {
            var day = first.AddDays(d);
            var offer = day.DayOfWeek == DayOfWeek.Friday;
            if (day.ToDateTime(new TimeOnly(10, 0)) > soonest)
                batch.Add(Post(personaId, batch.Count, day, new TimeOnly(10, 0), offer ? "本周五到店配镜，镜片第二副半价" : texts[d % texts.Length],
                    offer ? PostCategory.Offer : (PostCategory)(d % 3)));
            if (d % 2 == 0 && day.ToDateTime(new TimeOnly(20, 0)) > soonest)
                batch.Add(Post(personaId, batch.Count, day, new TimeOnly(20, 0), texts[(d + 1) % texts.Length], PostCategory.Life));
        }
        await grains.Get<ICalendarGrain>(personaId).PlanAll(batch);
        return batch.Count;
    }

    private NewPost Post(string personaId, int n, DateOnly day, TimeOnly time, string text, PostCategory category)
    {
        var local = day.ToDateTime(time);
        return new NewPost($"post-demo-{personaId[7..]}-{n:D2}", new MomentPost(text, category, new DateTimeOffset(local, clock.Zone.GetUtcOffset(local))), $"posts[{n}]");
    }
}
