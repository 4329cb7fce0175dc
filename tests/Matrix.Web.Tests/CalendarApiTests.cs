using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Matrix.Web.Tests;

public sealed class CalendarApiTests : ApiTest
{
    private static string Local(int day, int hour) => new DateTimeOffset(2030, 1, 7 + day, hour, 0, 0, TimeSpan.FromHours(8)).ToString("O"); // Monday 7 Jan 2030

    private async Task<HttpResponseMessage> PlanAsync(string persona, int day, int hour, string category = "Life", string text = "早安，今天也要保护好眼睛") =>
        await Http.PostAsJsonAsync($"/api/personas/{persona}/posts", new { text, category, plannedAt = Local(day, hour) });

    [Fact]
    public async Task Rules_refuse_with_a_message_and_a_refused_move_changes_nothing()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        Assert.Equal(HttpStatusCode.Created, (await PlanAsync(persona, 0, 10)).StatusCode);
        var second = await (await PlanAsync(persona, 0, 13)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Created, (await PlanAsync(persona, 0, 16)).StatusCode);

        var fourth = await PlanAsync(persona, 0, 19);
        Assert.Equal(HttpStatusCode.BadRequest, fourth.StatusCode);
        Assert.Contains("at most 3 a day", (await fourth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("plannedAt")[0].GetString());
        Assert.Contains("quiet hours", await (await PlanAsync(persona, 1, 23)).Content.ReadAsStringAsync());

        var before = await Http.GetStringAsync($"/api/personas/{persona}/calendar");
        var move = await Http.PostAsJsonAsync($"/api/personas/{persona}/posts/{second.GetProperty("id").GetString()}/move", new { plannedAt = Local(0, 11) });
        Assert.Equal(HttpStatusCode.BadRequest, move.StatusCode); // within 2 hours of the 10:00 post
        Assert.Equal(before, await Http.GetStringAsync($"/api/personas/{persona}/calendar"));

        var moved = await Http.PostAsJsonAsync($"/api/personas/{persona}/posts/{second.GetProperty("id").GetString()}/move", new { plannedAt = Local(1, 10) });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PlanAsync("p-nobody", 2, 10)).StatusCode);
    }

    [Fact]
    public async Task The_ics_feed_is_well_formed_RFC_5545()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "设计师安娜" });
        await PlanAsync(persona, 0, 10, "Offer", "双十一：第二副半价; 仅限本周, 到店出示此条\n详情见店内海报" + new string('长', 60));
        await PlanAsync(persona, 1, 10);

        var response = await Http.GetAsync($"/api/personas/{persona}/calendar.ics");
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes);
        Assert.EndsWith("\r\n", text);
        Assert.DoesNotContain("\n", text.Replace("\r\n", ""));
        var physical = text[..^2].Split("\r\n");
        Assert.All(physical, line => Assert.True(Encoding.UTF8.GetByteCount(line) <= 75, $"line over 75 octets: {line}"));

        // Unfold, then check the structure line by line.
        var lines = text.Replace("\r\n ", "")[..^2].Split("\r\n");
        Assert.Equal(["BEGIN:VCALENDAR", "VERSION:2.0"], lines[..2]);
        Assert.Equal("END:VCALENDAR", lines[^1]);
        Assert.All(lines, l => Assert.Matches("^[A-Z-]+(;[^:]*)?:", l));
        Assert.Equal(2, lines.Count(l => l == "BEGIN:VEVENT"));
        Assert.Equal(2, lines.Count(l => l == "END:VEVENT"));
        Assert.Equal(2, lines.Count(l => l.StartsWith("UID:")));
        Assert.Contains("DTSTART:20300107T020000Z", lines);
        var description = lines.First(l => l.StartsWith("DESCRIPTION:"));
        Assert.StartsWith("DESCRIPTION:双十一：第二副半价\\; 仅限本周\\, 到店出示此条\\n详情", description);
    }
}
