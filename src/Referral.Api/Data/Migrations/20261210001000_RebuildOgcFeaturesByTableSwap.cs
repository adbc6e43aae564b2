using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// A cheaper whole rebuild of <c>ogc_service_feature</c> (migration AddOgcServiceFeatures) for a large directory, the
    /// rebuild a bulk import queues for its commit. The owner of the table (migrations, a bulk import) now builds the rows
    /// into a new table with one <c>CREATE TABLE … AS</c> — which PostgreSQL may run as a parallel query, and which writes
    /// the rows without maintaining an index row by row — then drops the old table and puts the new one in its place in
    /// the same transaction: the same name, columns, types, NOT NULLs, primary key, box index, comment, owner and grants.
    /// Nothing depends on the table but its own row type (the functions name it in their bodies, resolved at each call),
    /// and a reader waiting for it at the commit opens the new table by its name. The hash joins get 256 MB of
    /// <c>work_mem</c> for the rebuild (a 1M-row directory's tables did not fit in the import's 64 MB). Below 50,000
    /// services at locations (the planner's estimate) and for a role that does not own the table the rebuild is the one
    /// it was: the table is emptied and filled in place. The rows are those <c>ogc_service_features_insert(NULL)</c>
    /// writes (the same query, its columns cast to the table's types). Written by hand: a function outside the EF model.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261210001000_RebuildOgcFeaturesByTableSwap")]
    public partial class RebuildOgcFeaturesByTableSwap : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                -- Every feature again into a new table, put in the old one's place (see the migration's summary).
                CREATE FUNCTION ogc_service_features_swap() RETURNS void LANGUAGE plpgsql SET work_mem = '256MB' AS $$
                DECLARE
                    owner_oid oid;
                    acl aclitem[];
                    grant_item record;
                BEGIN
                    SELECT relowner, relacl INTO owner_oid, acl FROM pg_class WHERE oid = 'public.ogc_service_feature'::regclass;
                    DROP TABLE IF EXISTS ogc_service_feature_next;
                    CREATE TABLE ogc_service_feature_next AS
                    SELECT sal.id, l.public_point::geometry AS public_point, sal.service_id, sal.location_id, s.organization_id,
                           COALESCE(s.public_last_modified, s.last_modified) AS last_modified,
                           ST_X(CASE WHEN l.visibility = 'public' THEN l.point ELSE l.public_point END::geometry) AS longitude,
                           ST_Y(CASE WHEN l.visibility = 'public' THEN l.point ELSE l.public_point END::geometry) AS latitude,
                           s.minimum_age, s.maximum_age, s.is_demo OR l.is_demo AS demo, s.name::text AS service_name,
                           o.name::text AS organization_name, s.status::text AS status, s.languages,
                           l.location_type::text AS location_type, l.visibility::text AS visibility, COALESCE(c.codes, '')::text AS categories,
                           (CASE WHEN l.visibility = 'public' THEN l.name END)::text AS location_name,
                           a.address_1::text AS address_1, a.city::text AS city, a.postal_code::text AS postal_code, a.country::text AS country
                    FROM service_at_location sal
                    JOIN location l ON l.id = sal.location_id
                    JOIN service s ON s.id = sal.service_id
                    JOIN organization o ON o.id = s.organization_id
                    LEFT JOIN (SELECT at.service_id, string_agg(t.code, ',' ORDER BY t.code COLLATE "C") AS codes
                               FROM attribute at JOIN taxonomy_term t ON t.id = at.taxonomy_term_id
                               JOIN taxonomy x ON x.id = t.taxonomy_id
                               WHERE x.name = 'referral-category' GROUP BY at.service_id) c ON c.service_id = s.id
                    LEFT JOIN (SELECT DISTINCT ON (ad.location_id) ad.location_id, ad.address_1, ad.city, ad.postal_code, ad.country
                               FROM address ad ORDER BY ad.location_id, ad.id) a ON a.location_id = l.id AND l.visibility = 'public'
                    WHERE l.visibility <> 'hidden' AND l.public_point IS NOT NULL;
                    DROP TABLE ogc_service_feature;
                    ALTER TABLE ogc_service_feature_next RENAME TO ogc_service_feature;
                    ALTER TABLE ogc_service_feature
                        ALTER COLUMN public_point SET NOT NULL, ALTER COLUMN service_id SET NOT NULL, ALTER COLUMN location_id SET NOT NULL,
                        ALTER COLUMN organization_id SET NOT NULL, ALTER COLUMN last_modified SET NOT NULL, ALTER COLUMN demo SET NOT NULL,
                        ALTER COLUMN service_name SET NOT NULL, ALTER COLUMN organization_name SET NOT NULL, ALTER COLUMN status SET NOT NULL,
                        ALTER COLUMN languages SET NOT NULL, ALTER COLUMN location_type SET NOT NULL, ALTER COLUMN visibility SET NOT NULL,
                        ALTER COLUMN categories SET NOT NULL,
                        ADD CONSTRAINT ogc_service_feature_pkey PRIMARY KEY (id);
                    CREATE INDEX ix_ogc_service_feature_public_point ON ogc_service_feature USING gist (public_point);
                    COMMENT ON TABLE ogc_service_feature IS 'OGC items, public view: one row per service at a location the public may list, with what its feature shows (approximate places at their public point, without name or address). Kept at commit by ogc_service_features_flush().';
                    EXECUTE format('ALTER TABLE ogc_service_feature OWNER TO %s', owner_oid::regrole);
                    FOR grant_item IN SELECT privilege_type, grantee FROM aclexplode(acl) LOOP
                        EXECUTE format('GRANT %s ON ogc_service_feature TO %s', grant_item.privilege_type,
                                       CASE WHEN grant_item.grantee = 0 THEN 'PUBLIC' ELSE grant_item.grantee::regrole::text END);
                    END LOOP;
                    ANALYZE ogc_service_feature;
                END $$;

                CREATE OR REPLACE FUNCTION ogc_service_features_rebuild() RETURNS void LANGUAGE plpgsql SET work_mem = '256MB' AS $$
                BEGIN
                    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'public.ogc_service_feature'::regclass), 'USAGE') THEN
                        DELETE FROM ogc_service_feature;
                        PERFORM ogc_service_features_insert(NULL);
                    ELSIF (SELECT reltuples FROM pg_class WHERE oid = 'public.service_at_location'::regclass) >= 50000 THEN
                        PERFORM ogc_service_features_swap();
                    ELSE
                        TRUNCATE ogc_service_feature;
                        DROP INDEX IF EXISTS ix_ogc_service_feature_public_point;
                        PERFORM ogc_service_features_insert(NULL);
                        CREATE INDEX ix_ogc_service_feature_public_point ON ogc_service_feature USING gist (public_point);
                        ANALYZE ogc_service_feature;
                    END IF;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS ogc_service_features_swap();
                CREATE OR REPLACE FUNCTION ogc_service_features_rebuild() RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'public.ogc_service_feature'::regclass), 'USAGE') THEN
                        TRUNCATE ogc_service_feature;
                        DROP INDEX IF EXISTS ix_ogc_service_feature_public_point;
                        PERFORM ogc_service_features_insert(NULL);
                        CREATE INDEX ix_ogc_service_feature_public_point ON ogc_service_feature USING gist (public_point);
                        ANALYZE ogc_service_feature;
                    ELSE
                        DELETE FROM ogc_service_feature;
                        PERFORM ogc_service_features_insert(NULL);
                    END IF;
                END $$;
                """);
        }
    }
}
