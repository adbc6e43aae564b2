using Npgsql;
using Referral.Api.Features.Ogc;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// Which features of an analysis's exports to write: all of them (the GeoJSON exports), or a page of those in a box, or
/// one by id (OGC API – Features). The SQL fragments hold only parameter names, never values.
/// </summary>
internal sealed record GapFeatureFilter(OgcBox? Box, int Offset, int Limit, string? Id)
{
    public static readonly GapFeatureFilter All = new(null, 0, int.MaxValue, null);

    /// <summary>Conditions on <c>gap_point_result r</c> / <c>demand_point d</c>, appended to the WHERE clause.</summary>
    public string Sql =>
        (Box is null ? "" : Box.CrossesAntimeridian
            ? " AND (in_bbox(d.point, @x1, @y1, 180, @y2) OR in_bbox(d.point, -180, @y1, @x2, @y2))"
            : " AND in_bbox(d.point, @x1, @y1, @x2, @y2)")
        + (Id is null ? "" : " AND r.demand_point_id = @id");

    public string PageSql => (Offset > 0 ? " OFFSET @offset" : "") + (Limit < int.MaxValue ? " LIMIT @limit" : "");

    public void AddParameters(NpgsqlCommand cmd, bool page = false)
    {
        if (Box is { } b)
        {
            cmd.Parameters.Add(new NpgsqlParameter<double>("x1", b.MinLongitude));
            cmd.Parameters.Add(new NpgsqlParameter<double>("y1", b.MinLatitude));
            cmd.Parameters.Add(new NpgsqlParameter<double>("x2", b.MaxLongitude));
            cmd.Parameters.Add(new NpgsqlParameter<double>("y2", b.MaxLatitude));
        }
        if (Id is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("id", Guid.TryParse(Id, out var id) ? id : Guid.Empty));
        }
        if (page && Offset > 0)
        {
            cmd.Parameters.Add(new NpgsqlParameter<int>("offset", Offset));
        }
        if (page && Limit < int.MaxValue)
        {
            cmd.Parameters.Add(new NpgsqlParameter<int>("limit", Limit));
        }
    }
}
