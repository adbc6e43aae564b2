using Microsoft.EntityFrameworkCore;

namespace Referral.Api.Data;

/// <summary>Our own SQL functions (migration AddSearchAndOpeningHours), callable from LINQ; never run in .NET.</summary>
internal static class SqlFunctions
{
    /// <summary><c>f_unaccent(text)</c>: accent-free text, IMMUTABLE so it can be indexed.</summary>
    public static string Unaccent(string text) => throw new NotSupportedException("Translated to SQL only.");

    /// <summary><c>service_open_at(uuid, timestamptz)</c>: open at that instant in the service's own time zone; null when unknown.</summary>
    public static bool? ServiceOpenAt(Guid serviceId, DateTimeOffset at) => throw new NotSupportedException("Translated to SQL only.");

    /// <summary>
    /// <c>in_bbox(geography, xmin, ymin, xmax, ymax)</c> (migration AddOgcBoxIndexes): the point lies in the
    /// longitude/latitude rectangle, measured flat in WGS 84 as OGC API bounding boxes are. For points the box test
    /// (<c>&amp;&amp;</c>) is exact; shapes use <see cref="MeetsBox"/>. An inlined SQL function, so the planner uses the
    /// expression indexes on <c>(column::geometry)</c>; it stays cheap enough that PostgreSQL does not JIT-compile the query.
    /// </summary>
    public static bool InBox(NetTopologySuite.Geometries.Geometry point, double minLongitude, double minLatitude, double maxLongitude, double maxLatitude) =>
        throw new NotSupportedException("Translated to SQL only.");

    /// <summary><c>meets_bbox(geography, …)</c>: the shape intersects the rectangle (ST_Intersects on the flat view).</summary>
    public static bool MeetsBox(NetTopologySuite.Geometries.Geometry shape, double minLongitude, double minLatitude, double maxLongitude, double maxLatitude) =>
        throw new NotSupportedException("Translated to SQL only.");

    public static void Register(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDbFunction(typeof(SqlFunctions).GetMethod(nameof(InBox))!).HasName("in_bbox");
        modelBuilder.HasDbFunction(typeof(SqlFunctions).GetMethod(nameof(MeetsBox))!).HasName("meets_bbox");
        modelBuilder.HasDbFunction(typeof(SqlFunctions).GetMethod(nameof(Unaccent))!).HasName("f_unaccent");
        modelBuilder.HasDbFunction(typeof(SqlFunctions).GetMethod(nameof(ServiceOpenAt))!).HasName("service_open_at");
    }
}
