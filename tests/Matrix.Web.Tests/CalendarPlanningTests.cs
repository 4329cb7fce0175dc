using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>Editing posts, duplicating them to a date, and templates that make a weekly rhythm quick to plan.</summary>
public sealed class CalendarPlanningTests : ApiTest
{
    private static DateTimeOffset Local(int day, int hour) => new(2030, 1, 7 + day, hour, 0, 0, TimeSpan.FromHours(8)); // Monday 7 Jan 2030

    private async Task<List<(string Text, DateTimeOffset At, string Category)>> PostsAsync(string persona) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/api/personas/{persona}/calendar")).GetProperty("posts").EnumerateArray()
            .Select(p => p.GetProperty("post"))
            .Select(p => (p.GetProperty("text").GetString()!, p.GetProperty("plannedAt").GetDateTimeOffset(), p.GetProperty("category").GetString()!)).ToList();

    [Fact]
    public async Task A_post_is_edited_under_the_rules_and_a_refused_edit_changes_nothing()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var post = await CreateAsync($"/api/personas/{persona}/posts", new { text = "早安", category = "Life", plannedAt = Local(0, 10) });
        await CreateAsync($"/api/personas/{persona}/posts", new { text = "午间", category = "Life", plannedAt = Local(0, 14) });

        var edited = await Http.PutAsJsonAsync($"/api/personas/{persona}/posts/{post}",
            new { text = "新品到店：防蓝光镜片", category = "Product", plannedAt = Local(0, 11), comment = "到店试戴" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Contains(("新品到店：防蓝光镜片", Local(0, 11), "Product"), await PostsAsync(persona));

        var before = await SnapshotAsync();
        var tooClose = await Http.PutAsJsonAsync($"/api/personas/{persona}/posts/{post}", new { text = "改", category = "Life", plannedAt = Local(0, 13) });
        Assert.Contains("within 2 hours", await AssertProblemAsync(tooClose, "plannedAt"));
        var tooLong = await Http.PutAsJsonAsync($"/api/personas/{persona}/posts/{post}", new { text = new string('字', 2_001), category = "Life", plannedAt = Local(0, 11) });
        await AssertProblemAsync(tooLong, "text");
        Assert.Equal(before, await SnapshotAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PutAsJsonAsync($"/api/personas/{persona}/posts/post-none", new { text = "x", category = "Life", plannedAt = Local(2, 10) })).StatusCode);
    }

    [Fact]
    public async Task A_post_duplicated_to_a_date_keeps_its_content_and_time_of_day_and_obeys_the_rules()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var post = await CreateAsync($"/api/personas/{persona}/posts", new { text = "护眼小知识", category = "Expertise", plannedAt = Local(0, 10) });

        await CreateAsync($"/api/personas/{persona}/posts/{post}/duplicate", new { date = "2030-01-14" });
        Assert.Contains(("护眼小知识", Local(7, 10), "Expertise"), await PostsAsync(persona));

        var before = await SnapshotAsync();
        var sameDay = await Http.PostAsJsonAsync($"/api/personas/{persona}/posts/{post}/duplicate", new { date = "2030-01-07" });
        Assert.Contains("within 2 hours", await AssertProblemAsync(sameDay, "plannedAt"));
        await AssertProblemAsync(await Http.PostAsJsonAsync($"/api/personas/{persona}/posts/{post}/duplicate", new { date = "14/01/2030" }), "date");
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Templates_with_weekly_slots_plan_a_week_in_one_action_all_or_nothing()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var tip = await CreateAsync($"/api/personas/{persona}/templates",
            new { name = "周一护眼", text = "每用眼40分钟，远眺5分钟", category = "Expertise", slot = new { day = "Monday", at = "10:00" } });
        var offer = await CreateAsync($"/api/personas/{persona}/templates",
            new { name = "周五福利", text = "会员日：清洗免费", category = "Offer", slot = new { day = "Friday", at = "19:00" } });
        await CreateAsync($"/api/personas/{persona}/templates", new { name = "备用", text = "店里的日常", category = "Life" });

        var listed = await Http.GetFromJsonAsync<JsonElement>($"/api/personas/{persona}/templates");
        Assert.Equal(["周一护眼", "周五福利", "备用"], listed.EnumerateArray().Select(t => t.GetProperty("template").GetProperty("name").GetString()).Order());

        var applied = await Http.PostAsJsonAsync($"/api/personas/{persona}/templates/apply", new { week = "2030-01-09" });
        Assert.Equal(HttpStatusCode.Created, applied.StatusCode);
        Assert.Equal([("每用眼40分钟，远眺5分钟", Local(0, 10), "Expertise"), ("会员日：清洗免费", Local(4, 19), "Offer")], await PostsAsync(persona));

        // A template edited into quiet hours breaks a rule for the next week: nothing of that week is planned.
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync($"/api/personas/{persona}/templates/{offer}",
            new { name = "周五福利", text = "会员日：清洗免费", category = "Offer", slot = new { day = "Friday", at = "22:00" } })).StatusCode);
        var before = await SnapshotAsync();
        var refused = await Http.PostAsJsonAsync($"/api/personas/{persona}/templates/apply", new { week = "2030-01-14" });
        Assert.Contains("quiet hours", await AssertProblemAsync(refused, $"templates.{offer}.plannedAt"));
        Assert.Equal(before, await SnapshotAsync());

        // One template planned by hand, then deleted: the post it made stays.
        await CreateAsync($"/api/personas/{persona}/templates/{tip}/plan", new { plannedAt = Local(2, 15) });
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/personas/{persona}/templates/{tip}")).StatusCode);
        Assert.Contains(("每用眼40分钟，远眺5分钟", Local(2, 15), "Expertise"), await PostsAsync(persona));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync($"/api/personas/{persona}/templates/{tip}")).StatusCode);
    }

    public static TheoryData<string, string, string, string> BadTemplates => new()
    {
        { "POST", "templates", """{"name":"","text":"x","category":"Life"}""", "name" },
        { "POST", "templates", """{"name":"n","text":"x","category":"Gossip"}""", "category" },
        { "POST", "templates", """{"name":"n","text":"x","category":"Life","slot":{"day":"Someday","at":"10:00"}}""", "slot.day" },
        { "POST", "templates", """{"name":"n","text":"x","category":"Life","media":{"images":["1","2","3","4","5","6","7","8","9","10"]}}""", "media.images" },
        { "POST", "templates/apply", """{"week":"2030-01-14"}""", "week" },
        { "POST", "templates/apply", """{"week":"next week"}""", "week" },
        { "POST", "templates/TEMPLATE/plan", """{"plannedAt":"2030-01-07T23:00:00+08:00"}""", "plannedAt" },
        { "PUT", "templates/TEMPLATE", """{"name":"n","text":"","category":"Life"}""", "text" },
    };

    [Theory]
    [MemberData(nameof(BadTemplates))]
    public async Task Bad_template_requests_answer_400_naming_the_field_and_change_nothing(string method, string path, string body, string field)
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var template = await CreateAsync($"/api/personas/{persona}/templates", new { name = "无槽位", text = "店里的日常", category = "Life" });
        var before = await SnapshotAsync();

        var request = new HttpRequestMessage(new HttpMethod(method), $"/api/personas/{persona}/{path.Replace("TEMPLATE", template)}")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        await AssertProblemAsync(await Http.SendAsync(request), field);
        Assert.Equal(before, await SnapshotAsync());
    }
}
