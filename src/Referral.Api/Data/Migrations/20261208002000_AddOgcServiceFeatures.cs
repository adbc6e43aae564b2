using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The public page of OGC services (Features/Ogc/services-page.sql) reads one narrow table, <c>ogc_service_feature</c>:
    /// one row per service at a location the public may list (not hidden, with a public point), holding exactly what its
    /// public feature shows — the point shown (the exact point of a public place, the generalised point of an approximate
    /// one; the box selects on the public point), the service's and organization's fields, the categories, and for a
    /// public place its name and first address (an approximate place has neither on this table). Joined and aggregated per
    /// page (location, service, organization, the categories, the first address) the page cost about twice the bare box
    /// select at 1M services.
    /// <para>
    /// Kept in the writing transaction, whichever way the write was made (API, import, plain SQL): statement triggers with
    /// transition tables record what a statement changed in <c>ogc_feature_dirty</c> (a service at location, location,
    /// service, organization, category term or taxonomy; '*' for a TRUNCATE), and a deferred constraint trigger, queued once
    /// per transaction, recomputes the affected rows at commit (<c>ogc_service_features_flush()</c>). The flush takes one
    /// advisory lock first and holds it to the commit, and each of its statements sees what is committed by then (READ
    /// COMMITTED, the isolation of every write here): of two transactions that change different inputs of one feature
    /// (a place made hidden while its service is renamed), the second to commit recomputes it seeing the first, so no
    /// feature is left with a stale visibility or point. The lock is held only from the flush to the commit, after the
    /// transaction's own writes, so it cannot deadlock with their row locks. A bulk import that disables the triggers
    /// marks '*' instead (Features/Imports/IndexRebuild). Written by hand: tables, functions and triggers outside the EF
    /// model.
    /// </para>
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261208002000_AddOgcServiceFeatures")]
    public partial class AddOgcServiceFeatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE ogc_service_feature (
                    id uuid PRIMARY KEY,
                    public_point geometry NOT NULL,
                    service_id uuid NOT NULL,
                    location_id uuid NOT NULL,
                    organization_id uuid NOT NULL,
                    last_modified timestamptz NOT NULL,
                    longitude double precision,
                    latitude double precision,
                    minimum_age integer,
                    maximum_age integer,
                    demo boolean NOT NULL,
                    service_name text NOT NULL,
                    organization_name text NOT NULL,
                    status text NOT NULL,
                    languages text[] NOT NULL,
                    location_type text NOT NULL,
                    visibility text NOT NULL,
                    categories text NOT NULL,
                    location_name text,
                    address_1 text,
                    city text,
                    postal_code text,
                    country text);
                COMMENT ON TABLE ogc_service_feature IS 'OGC items, public view: one row per service at a location the public may list, with what its feature shows (approximate places at their public point, without name or address). Kept at commit by ogc_service_features_flush().';
                CREATE INDEX ix_ogc_service_feature_public_point ON ogc_service_feature USING gist (public_point);

                CREATE TABLE ogc_feature_dirty (kind "char" NOT NULL, id uuid);
                COMMENT ON TABLE ogc_feature_dirty IS 'What the open transaction changed that ogc_service_feature shows (f: service at location, l: location, s: service, o: organization, t: taxonomy term, x: taxonomy, *: everything); emptied at its commit.';
                CREATE TABLE ogc_feature_flush (queued boolean);
                COMMENT ON TABLE ogc_feature_flush IS 'One row per writing transaction: its deferred trigger runs ogc_service_features_flush() at commit.';

                -- The public features of the given services at location (all of them when ids is null), as the general path
                -- (OgcFeatures with EF) writes them for the public: categories in code order, the lowest-id address.
                CREATE FUNCTION ogc_service_features_insert(ids uuid[]) RETURNS bigint LANGUAGE plpgsql AS $$
                DECLARE
                    n bigint;
                BEGIN
                    IF ids IS NULL THEN
                        INSERT INTO ogc_service_feature
                        SELECT sal.id, l.public_point::geometry, sal.service_id, sal.location_id, s.organization_id,
                               COALESCE(s.public_last_modified, s.last_modified),
                               ST_X(CASE WHEN l.visibility = 'public' THEN l.point ELSE l.public_point END::geometry),
                               ST_Y(CASE WHEN l.visibility = 'public' THEN l.point ELSE l.public_point END::geometry),
                               s.minimum_age, s.maximum_age, s.is_demo OR l.is_demo, s.name, o.name, s.status, s.languages,
                               l.location_type, l.visibility, COALESCE(c.codes, ''),
                               CASE WHEN l.visibility = 'public' THEN l.name END,
                               a.address_1, a.city, a.postal_code, a.country
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
                    ELSE
                        INSERT INTO ogc_service_feature
                        SELECT sal.id, l.public_point::geometry, sal.service_id, sal.location_id, s.organization_id,
                               COALESCE(s.public_last_modified, s.last_modified),
                               ST_X(CASE WHEN l.visibility = 'public' THEN l.point ELSE l.public_point END::geometry),
                               ST_Y(CASE WHEN l.visibility = 'public' THEN l.point ELSE l.public_point END::geometry),
                               s.minimum_age, s.maximum_age, s.is_demo OR l.is_demo, s.name, o.name, s.status, s.languages,
                               l.location_type, l.visibility,
                               COALESCE((SELECT string_agg(t.code, ',' ORDER BY t.code COLLATE "C")
                                         FROM attribute at JOIN taxonomy_term t ON t.id = at.taxonomy_term_id
                                         JOIN taxonomy x ON x.id = t.taxonomy_id
                                         WHERE at.service_id = s.id AND x.name = 'referral-category'), ''),
                               CASE WHEN l.visibility = 'public' THEN l.name END,
                               a.address_1, a.city, a.postal_code, a.country
                        FROM service_at_location sal
                        JOIN location l ON l.id = sal.location_id
                        JOIN service s ON s.id = sal.service_id
                        JOIN organization o ON o.id = s.organization_id
                        LEFT JOIN LATERAL (SELECT ad.address_1, ad.city, ad.postal_code, ad.country FROM address ad
                                           WHERE ad.location_id = l.id ORDER BY ad.id LIMIT 1) a ON l.visibility = 'public'
                        WHERE sal.id = ANY (ids) AND l.visibility <> 'hidden' AND l.public_point IS NOT NULL;
                    END IF;
                    GET DIAGNOSTICS n = ROW_COUNT;
                    RETURN n;
                END $$;

                -- Every feature again (after a TRUNCATE, a bulk import, the migration). The table's owner (migrations, a bulk
                -- import) truncates it and builds its box index after the rows; the app's role deletes and inserts.
                CREATE FUNCTION ogc_service_features_rebuild() RETURNS void LANGUAGE plpgsql AS $$
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

                -- At the commit of a transaction that changed what a feature shows: the features its marks reach, recomputed
                -- from what is committed now (see the migration's summary for the lock).
                CREATE FUNCTION ogc_service_features_flush() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    f uuid[]; l uuid[]; s uuid[]; o uuid[]; t uuid[]; x uuid[];
                    everything boolean;
                    ids uuid[];
                BEGIN
                    PERFORM set_config('referral.ogc_flush_queued', '', true);
                    -- The tables it reads first, then the lock: a flush never holds the lock while it waits for a table that
                    -- a TRUNCATE or a bulk import (whose own flush then wants the lock) holds exclusively.
                    LOCK TABLE service_at_location, location, service, organization, attribute, address, taxonomy_term, taxonomy,
                        ogc_service_feature IN ACCESS SHARE MODE;
                    PERFORM pg_advisory_xact_lock(1331069766);
                    DELETE FROM ogc_feature_flush;
                    WITH d AS (DELETE FROM ogc_feature_dirty RETURNING kind, id)
                    SELECT array_agg(DISTINCT id) FILTER (WHERE kind = 'f'), array_agg(DISTINCT id) FILTER (WHERE kind = 'l'),
                           array_agg(DISTINCT id) FILTER (WHERE kind = 's'), array_agg(DISTINCT id) FILTER (WHERE kind = 'o'),
                           array_agg(DISTINCT id) FILTER (WHERE kind = 't'), array_agg(DISTINCT id) FILTER (WHERE kind = 'x'),
                           bool_or(kind = '*')
                    INTO f, l, s, o, t, x, everything FROM d;
                    IF everything THEN
                        PERFORM ogc_service_features_rebuild();
                        RETURN NULL;
                    END IF;
                    -- Each arm only when marked: a generic plan of "= ANY (null)" might still read a whole table.
                    ids := COALESCE(f, '{}');
                    IF l IS NOT NULL THEN
                        ids := ids || ARRAY(SELECT sal.id FROM service_at_location sal WHERE sal.location_id = ANY (l));
                    END IF;
                    IF s IS NOT NULL THEN
                        ids := ids || ARRAY(SELECT sal.id FROM service_at_location sal WHERE sal.service_id = ANY (s));
                    END IF;
                    IF o IS NOT NULL THEN
                        ids := ids || ARRAY(SELECT sal.id FROM service sv JOIN service_at_location sal ON sal.service_id = sv.id
                                            WHERE sv.organization_id = ANY (o));
                    END IF;
                    IF x IS NOT NULL THEN
                        t := COALESCE(t, '{}') || ARRAY(SELECT tt.id FROM taxonomy_term tt WHERE tt.taxonomy_id = ANY (x));
                    END IF;
                    IF t IS NOT NULL THEN
                        ids := ids || ARRAY(SELECT DISTINCT sal.id FROM attribute a JOIN service_at_location sal ON sal.service_id = a.service_id
                                            WHERE a.taxonomy_term_id = ANY (t));
                    END IF;
                    IF cardinality(ids) = 0 THEN
                        RETURN NULL;
                    END IF;
                    IF cardinality(ids) > 200000 THEN
                        PERFORM ogc_service_features_rebuild();
                        RETURN NULL;
                    END IF;
                    DELETE FROM ogc_service_feature WHERE id = ANY (ids);
                    PERFORM ogc_service_features_insert(ids);
                    RETURN NULL;
                END $$;

                -- Queues the flush once per transaction (again after a flush: a later deferred write queues another).
                CREATE FUNCTION ogc_service_features_queue() RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    IF current_setting('referral.ogc_flush_queued', true) IS DISTINCT FROM 'yes' THEN
                        INSERT INTO ogc_feature_flush (queued) VALUES (true);
                        PERFORM set_config('referral.ogc_flush_queued', 'yes', true);
                    END IF;
                END $$;

                CREATE CONSTRAINT TRIGGER ogc_feature_flush_at_commit AFTER INSERT ON ogc_feature_flush
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ogc_service_features_flush();

                -- The marks: TG_ARGV[0] is the kind, the changed rows' id column (service_id and location_id for the rows that
                -- name them) is what is marked. A TRUNCATE marks everything.
                CREATE FUNCTION ogc_features_mark_service_at_location() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO ogc_feature_dirty (kind) VALUES ('*');
                    ELSIF TG_OP = 'INSERT' THEN
                        INSERT INTO ogc_feature_dirty (kind, id) SELECT 'f', n.id FROM new_rows n;
                    ELSIF TG_OP = 'DELETE' THEN
                        INSERT INTO ogc_feature_dirty (kind, id) SELECT 'f', o.id FROM old_rows o;
                    ELSE
                        INSERT INTO ogc_feature_dirty (kind, id) SELECT 'f', n.id FROM new_rows n UNION SELECT 'f', o.id FROM old_rows o;
                    END IF;
                    PERFORM ogc_service_features_queue();
                    RETURN NULL;
                END $$;

                -- location, service, organization, taxonomy_term, taxonomy: their own ids (kind in TG_ARGV[0]).
                CREATE FUNCTION ogc_features_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO ogc_feature_dirty (kind) VALUES ('*');
                    ELSIF TG_OP = 'DELETE' THEN
                        INSERT INTO ogc_feature_dirty (kind, id) SELECT TG_ARGV[0]::"char", o.id FROM old_rows o;
                    ELSE
                        INSERT INTO ogc_feature_dirty (kind, id) SELECT TG_ARGV[0]::"char", n.id FROM new_rows n;
                    END IF;
                    PERFORM ogc_service_features_queue();
                    RETURN NULL;
                END $$;

                -- attribute (a service's categories) and address (a location's first address): the row they belong to.
                CREATE FUNCTION ogc_features_mark_child() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO ogc_feature_dirty (kind) VALUES ('*');
                    ELSIF TG_TABLE_NAME = 'attribute' THEN
                        IF TG_OP IN ('UPDATE', 'DELETE') THEN
                            INSERT INTO ogc_feature_dirty (kind, id) SELECT DISTINCT 's', o.service_id FROM old_rows o;
                        END IF;
                        IF TG_OP IN ('UPDATE', 'INSERT') THEN
                            INSERT INTO ogc_feature_dirty (kind, id) SELECT DISTINCT 's', n.service_id FROM new_rows n;
                        END IF;
                    ELSE
                        IF TG_OP IN ('UPDATE', 'DELETE') THEN
                            INSERT INTO ogc_feature_dirty (kind, id) SELECT DISTINCT 'l', o.location_id FROM old_rows o;
                        END IF;
                        IF TG_OP IN ('UPDATE', 'INSERT') THEN
                            INSERT INTO ogc_feature_dirty (kind, id) SELECT DISTINCT 'l', n.location_id FROM new_rows n;
                        END IF;
                    END IF;
                    PERFORM ogc_service_features_queue();
                    RETURN NULL;
                END $$;

                CREATE TRIGGER service_at_location_ogc_features_insert AFTER INSERT ON service_at_location REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_service_at_location();
                CREATE TRIGGER service_at_location_ogc_features_update AFTER UPDATE ON service_at_location REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_service_at_location();
                CREATE TRIGGER service_at_location_ogc_features_delete AFTER DELETE ON service_at_location REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_service_at_location();
                CREATE TRIGGER service_at_location_ogc_features_truncate AFTER TRUNCATE ON service_at_location
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_service_at_location();

                CREATE TRIGGER location_ogc_features_update AFTER UPDATE ON location REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('l');
                CREATE TRIGGER location_ogc_features_truncate AFTER TRUNCATE ON location
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('l');
                CREATE TRIGGER service_ogc_features_update AFTER UPDATE ON service REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('s');
                CREATE TRIGGER service_ogc_features_truncate AFTER TRUNCATE ON service
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('s');
                CREATE TRIGGER organization_ogc_features_update AFTER UPDATE ON organization REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('o');
                CREATE TRIGGER organization_ogc_features_truncate AFTER TRUNCATE ON organization
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('o');
                CREATE TRIGGER taxonomy_term_ogc_features_update AFTER UPDATE ON taxonomy_term REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('t');
                CREATE TRIGGER taxonomy_term_ogc_features_truncate AFTER TRUNCATE ON taxonomy_term
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('t');
                CREATE TRIGGER taxonomy_ogc_features_update AFTER UPDATE ON taxonomy REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('x');
                CREATE TRIGGER taxonomy_ogc_features_truncate AFTER TRUNCATE ON taxonomy
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_row('x');

                CREATE TRIGGER attribute_ogc_features_insert AFTER INSERT ON attribute REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER attribute_ogc_features_update AFTER UPDATE ON attribute REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER attribute_ogc_features_delete AFTER DELETE ON attribute REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER attribute_ogc_features_truncate AFTER TRUNCATE ON attribute
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER address_ogc_features_insert AFTER INSERT ON address REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER address_ogc_features_update AFTER UPDATE ON address REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER address_ogc_features_delete AFTER DELETE ON address REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();
                CREATE TRIGGER address_ogc_features_truncate AFTER TRUNCATE ON address
                    FOR EACH STATEMENT EXECUTE FUNCTION ogc_features_mark_child();

                SELECT ogc_service_features_rebuild();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS service_at_location_ogc_features_insert ON service_at_location;
                DROP TRIGGER IF EXISTS service_at_location_ogc_features_update ON service_at_location;
                DROP TRIGGER IF EXISTS service_at_location_ogc_features_delete ON service_at_location;
                DROP TRIGGER IF EXISTS service_at_location_ogc_features_truncate ON service_at_location;
                DROP TRIGGER IF EXISTS location_ogc_features_update ON location;
                DROP TRIGGER IF EXISTS location_ogc_features_truncate ON location;
                DROP TRIGGER IF EXISTS service_ogc_features_update ON service;
                DROP TRIGGER IF EXISTS service_ogc_features_truncate ON service;
                DROP TRIGGER IF EXISTS organization_ogc_features_update ON organization;
                DROP TRIGGER IF EXISTS organization_ogc_features_truncate ON organization;
                DROP TRIGGER IF EXISTS taxonomy_term_ogc_features_update ON taxonomy_term;
                DROP TRIGGER IF EXISTS taxonomy_term_ogc_features_truncate ON taxonomy_term;
                DROP TRIGGER IF EXISTS taxonomy_ogc_features_update ON taxonomy;
                DROP TRIGGER IF EXISTS taxonomy_ogc_features_truncate ON taxonomy;
                DROP TRIGGER IF EXISTS attribute_ogc_features_insert ON attribute;
                DROP TRIGGER IF EXISTS attribute_ogc_features_update ON attribute;
                DROP TRIGGER IF EXISTS attribute_ogc_features_delete ON attribute;
                DROP TRIGGER IF EXISTS attribute_ogc_features_truncate ON attribute;
                DROP TRIGGER IF EXISTS address_ogc_features_insert ON address;
                DROP TRIGGER IF EXISTS address_ogc_features_update ON address;
                DROP TRIGGER IF EXISTS address_ogc_features_delete ON address;
                DROP TRIGGER IF EXISTS address_ogc_features_truncate ON address;
                DROP FUNCTION IF EXISTS ogc_features_mark_child();
                DROP FUNCTION IF EXISTS ogc_features_mark_row();
                DROP FUNCTION IF EXISTS ogc_features_mark_service_at_location();
                DROP TABLE IF EXISTS ogc_feature_flush;
                DROP FUNCTION IF EXISTS ogc_service_features_queue();
                DROP FUNCTION IF EXISTS ogc_service_features_flush();
                DROP FUNCTION IF EXISTS ogc_service_features_rebuild();
                DROP FUNCTION IF EXISTS ogc_service_features_insert(uuid[]);
                DROP TABLE IF EXISTS ogc_feature_dirty;
                DROP TABLE IF EXISTS ogc_service_feature;
                """);
        }
    }
}
