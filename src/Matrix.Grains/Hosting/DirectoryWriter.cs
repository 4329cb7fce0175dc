using System.Text.Json;
using Matrix.Storage.Hosting;
using Npgsql;

namespace Matrix.Grains;

/// <summary>Writes the read side of the grains (Migrations/0006_directory.sql): called by a grain after its state write.</summary>
public sealed class DirectoryWriter(NpgsqlDataSource db)
{
    public async Task RecordAsync(string kind, string id, object doc)
    {
        await using var cmd = db.CreateCommand("""
            insert into directory (kind, id, doc) values ($1, $2, $3::jsonb)
            on conflict (kind, id) do update set doc = excluded.doc, version = directory.version + 1, updated_at = now()
            """);
        cmd.Parameters.Add(new() { Value = kind });
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(doc, doc.GetType(), StateSerializer.Options) });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The customer's searchable text and running plans; their facts (Segments/CustomerFacts) become due.</summary>
    public async Task CustomerAsync(string id, string? displayName, string? phone, string searchText, IEnumerable<string> plans)
    {
        await using var cmd = db.CreateCommand("""
            insert into customer_index (id, display_name, phone, search_text, plans, phone_key, facts_due_at) values ($1, $2, $3, $4, $5, $6, clock_timestamp())
            on conflict (id) do update set display_name = excluded.display_name, phone = excluded.phone, phone_key = excluded.phone_key,
                search_text = excluded.search_text, plans = excluded.plans, updated_at = now(), facts_due_at = clock_timestamp()
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = (object?)displayName ?? DBNull.Value });
        cmd.Parameters.Add(new() { Value = (object?)phone ?? DBNull.Value });
        cmd.Parameters.Add(new() { Value = searchText });
        cmd.Parameters.Add(new() { Value = plans.Order(StringComparer.Ordinal).ToArray() });
        cmd.Parameters.Add(new() { Value = (object?)Domain.Imports.PhoneNumbers.Normalise(phone) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The customer grain saved something its facts derive from (a purchase, a reply, a touch): they become due.</summary>
    public async Task FactsDueAsync(string id)
    {
        await using var cmd = db.CreateCommand("update customer_index set facts_due_at = clock_timestamp() where id = $1");
        cmd.Parameters.Add(new() { Value = id });
        await cmd.ExecuteNonQueryAsync();
    }
}
