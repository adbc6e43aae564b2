using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Referral.Api.Infrastructure;

/// <summary>HSDS API reference page envelope; <c>page_number</c> is 1-based.</summary>
internal sealed record Page<T>(
    int TotalItems,
    int TotalPages,
    int PageNumber,
    int Size,
    bool FirstPage,
    bool LastPage,
    bool Empty,
    IReadOnlyList<T> Contents)
{
    public static Page<T> Create(IReadOnlyList<T> contents, int totalItems, PageRequest page)
    {
        var totalPages = totalItems == 0 ? 0 : (int)Math.Ceiling(totalItems / (double)page.Size);
        return new Page<T>(totalItems, totalPages, page.Number, contents.Count,
            page.Number == 1, page.Number >= totalPages, contents.Count == 0, contents);
    }
}

/// <summary>A validated page request: <c>per_page</c> is capped at <see cref="Limits.MaxPerPage"/>.</summary>
internal readonly record struct PageRequest(int Number, int Size)
{
    public int Skip => (Number - 1) * Size;

    public static PageRequest From(int? page, int? perPage, Dictionary<string, string[]> errors, int defaultSize = 50)
    {
        if (page is < 1 or > 1_000_000)
        {
            errors["page"] = ["page is 1-based and must be between 1 and 1000000."];
        }
        if (perPage is < 1)
        {
            errors["per_page"] = ["per_page must be at least 1."];
        }
        return new PageRequest(Math.Clamp(page ?? 1, 1, 1_000_000), Math.Clamp(perPage ?? defaultSize, 1, Limits.MaxPerPage));
    }
}

/// <summary>Common list parameters.</summary>
internal sealed record PagingQuery(
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);
