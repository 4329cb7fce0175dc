using Matrix.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
await builder.AddMatrixDatabaseAsync();
builder.AddMatrix();

var app = builder.Build();
app.MapMatrix();
await app.RunAsync();

/// <summary>Entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
