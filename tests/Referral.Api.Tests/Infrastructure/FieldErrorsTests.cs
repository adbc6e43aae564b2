using Referral.Api.Infrastructure;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// <see cref="FieldErrors"/> takes a path as a <see cref="FieldPath"/> (written out only when the value is not valid) as
/// well as a string. Both must give the same value and record the same errors, under the same path, in the same order.
/// </summary>
public sealed class FieldErrorsTests
{
    public static TheoryData<string?> Values =>
    [
        null, "", "   ", "ok", "  padded  ", "Hospital", new string('x', 120), new string('y', 400), "tab\tand\nnewline", "bell\u0007",
        "zero\u200Bwidth", "right\u202Eto left", "PHYSICAL", " postal ", "virtual", "nope", "a@b.cr", "not an email", "x@y",
        "https://example.org/a", "ftp://example.org", "example.org", new string('z', 70) + "@example.org",
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void LazyPaths_GiveTheValuesAndErrorsOfStringPaths(string? value)
    {
        string[] allowed = ["physical", "postal", "virtual"];
        foreach (var i in new[] { 0, 3, 31, 32, 1234 })
        {
            var f = $"service_at_locations[{i}].location";
            var eager = new FieldErrors();
            var lazy = new FieldErrors();
            foreach (var required in new[] { false, true })
            {
                Assert.Equal(eager.Text(Path($"{f}.name"), value, 100, required), lazy.Text($"{f}.name", value, 100, required));
                Assert.Equal(eager.OneOf(Path($"{f}.addresses[{i}].address_type"), value, allowed, required),
                    lazy.OneOf($"{f}.addresses[{i}].address_type", value, allowed, required));
                Assert.Equal(eager.OneOf(Path($"{f}.kind"), value, allowed, required, fallback: "physical"),
                    lazy.OneOf($"{f}.kind", value, allowed, required, fallback: "physical"));
            }
            Assert.Equal(eager.Email(Path($"{f}.email"), value), lazy.Email($"{f}.email", value));
            Assert.Equal(eager.Url(Path($"{f}.url"), value), lazy.Url($"{f}.url", value));
            Assert.Equal(eager.ToDictionary().ToList(), lazy.ToDictionary().ToList());
        }
    }

    [Fact]
    public void FieldPath_WritesWhatStringInterpolationWrites()
    {
        var f = "service_at_locations[2]";
        const string Empty = "";
        string? none = null;
        var id = Guid.Parse("0193a6f0-0000-7000-8000-000000000001");
        Assert.Equal($"{f}.location.addresses[{7}].city", Written($"{f}.location.addresses[{7}].city"));
        Assert.Equal($"a{1}b{2}c{3}d{4}e{-5}f{40}g{none}h{Empty}", Written($"a{1}b{2}c{3}d{4}e{-5}f{40}g{none}h{Empty}"));
        Assert.Equal($"attributes[{id}].value{3.5}", Written($"attributes[{id}].value{3.5}"));
        Assert.Equal("name", Written($"name"));
    }

    private static string Written(FieldPath path) => path.ToString();

    /// <summary>The same text as a plain string, so that the string overloads are called.</summary>
    private static string Path(string path) => path;
}
