using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// A services tile below zoom 13 (Features/Tiles/services-cells.sql) shows, for a grid cell holding one service, that
    /// service's attributes. Joined at tile time (service at location, service, organization, location, categories) they
    /// were most of a z10 tile's cost at 1M services; now <c>tile_cell</c> keeps them on the lone cell's row, and the tile
    /// reads one table. They are filled by <c>tile_cells_refresh()</c> (every lone cell whose <c>service_id</c> is still
    /// null: each cell it recounted), and what they copy marks its cells as the points do: a service's name,
    /// organization, status, languages or ages, an organization's name, a service's categories (attribute), a
    /// location's visibility, a category code. Written by hand: columns, functions and triggers outside the EF model.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261206020000_AddTileCellAttributes")]
    public partial class AddTileCellAttributes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE tile_cell
                    ADD COLUMN service_id uuid,
                    ADD COLUMN service_name text,
                    ADD COLUMN organization_id uuid,
                    ADD COLUMN organization_name text,
                    ADD COLUMN status text,
                    ADD COLUMN categories text,
                    ADD COLUMN languages text,
                    ADD COLUMN minimum_age integer,
                    ADD COLUMN maximum_age integer,
                    ADD COLUMN visibility text;
                COMMENT ON COLUMN tile_cell.service_id IS 'A lone cell''s service and (the columns after it) what its tile feature shows; null until tile_cells_refresh() fills it.';
                CREATE INDEX ix_tile_cell_unfilled ON tile_cell (service_at_location_id) WHERE service_at_location_id IS NOT NULL AND service_id IS NULL;

                -- The recount of AddTileCells, now called by tile_cells_refresh(), which then fills the lone cells.
                ALTER FUNCTION tile_cells_refresh() RENAME TO tile_cells_recount;

                CREATE FUNCTION tile_cells_refresh() RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM tile_cell_dirty) THEN
                        RETURN;
                    END IF;
                    PERFORM tile_cells_recount(); -- takes the refresh's advisory lock for the rest of the transaction
                    UPDATE tile_cell t
                    SET service_id = s.id, service_name = s.name, organization_id = o.id, organization_name = o.name, status = s.status,
                        categories = (SELECT string_agg(tt.code, ',' ORDER BY tt.code) FROM attribute a
                                        JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy tx ON tx.id = tt.taxonomy_id
                                      WHERE a.service_id = s.id AND tx.name = 'referral-category'),
                        languages = array_to_string(s.languages, ','), minimum_age = s.minimum_age, maximum_age = s.maximum_age,
                        visibility = l.visibility
                    FROM service_at_location sal
                    JOIN service s ON s.id = sal.service_id
                    JOIN organization o ON o.id = s.organization_id
                    JOIN location l ON l.id = sal.location_id
                    WHERE t.service_at_location_id IS NOT NULL AND t.service_id IS NULL AND sal.id = t.service_at_location_id;
                END $$;

                -- As in AddTileCells, and a location whose visibility changes (approximate on the tile) marks its cell too.
                CREATE OR REPLACE FUNCTION tile_cells_mark_location() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT k FROM (
                            SELECT tile_cell_key(o.public_point) AS a, tile_cell_key(n.public_point) AS b,
                                   o.visibility IS DISTINCT FROM n.visibility AS shown
                            FROM old_rows o FULL JOIN new_rows n ON n.id = o.id) c,
                            LATERAL (VALUES (c.a), (c.b)) v(k)
                        WHERE (c.a IS DISTINCT FROM c.b OR c.shown) AND k IS NOT NULL;
                    ELSIF TG_OP = 'DELETE' THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(o.public_point) FROM old_rows o WHERE tile_cell_key(o.public_point) IS NOT NULL;
                    ELSE
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                    END IF;
                    RETURN NULL;
                END $$;

                -- A service's cells (those of its services at location) when what a tile shows of it changes.
                CREATE FUNCTION tile_cells_mark_service() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                        RETURN NULL;
                    END IF;
                    INSERT INTO tile_cell_dirty (cell)
                    SELECT DISTINCT tile_cell_key(l.public_point)
                    FROM old_rows o JOIN new_rows n ON n.id = o.id
                    JOIN service_at_location sal ON sal.service_id = n.id
                    JOIN location l ON l.id = sal.location_id
                    WHERE (o.name, o.organization_id, o.status, o.languages, o.minimum_age, o.maximum_age)
                          IS DISTINCT FROM (n.name, n.organization_id, n.status, n.languages, n.minimum_age, n.maximum_age)
                      AND tile_cell_key(l.public_point) IS NOT NULL;
                    RETURN NULL;
                END $$;

                -- An organization's cells when its name changes.
                CREATE FUNCTION tile_cells_mark_organization() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                        RETURN NULL;
                    END IF;
                    INSERT INTO tile_cell_dirty (cell)
                    SELECT DISTINCT tile_cell_key(l.public_point)
                    FROM old_rows o JOIN new_rows n ON n.id = o.id
                    JOIN service s ON s.organization_id = n.id
                    JOIN service_at_location sal ON sal.service_id = s.id
                    JOIN location l ON l.id = sal.location_id
                    WHERE o.name IS DISTINCT FROM n.name AND tile_cell_key(l.public_point) IS NOT NULL;
                    RETURN NULL;
                END $$;

                -- A service's cells when its categories change (attribute rows added, changed or removed).
                CREATE FUNCTION tile_cells_mark_attribute() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                        RETURN NULL;
                    END IF;
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(l.public_point)
                        FROM (SELECT DISTINCT service_id FROM old_rows) o
                        JOIN service_at_location sal ON sal.service_id = o.service_id
                        JOIN location l ON l.id = sal.location_id
                        WHERE tile_cell_key(l.public_point) IS NOT NULL;
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(l.public_point)
                        FROM (SELECT DISTINCT service_id FROM new_rows) n
                        JOIN service_at_location sal ON sal.service_id = n.service_id
                        JOIN location l ON l.id = sal.location_id
                        WHERE tile_cell_key(l.public_point) IS NOT NULL;
                    END IF;
                    RETURN NULL;
                END $$;

                -- A category code renamed or removed (rare): recount every cell.
                CREATE FUNCTION tile_cells_mark_all() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER service_tile_cells_update AFTER UPDATE ON service REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_service();
                CREATE TRIGGER service_tile_cells_truncate AFTER TRUNCATE ON service
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_service();
                CREATE TRIGGER organization_tile_cells_update AFTER UPDATE ON organization REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_organization();
                CREATE TRIGGER organization_tile_cells_truncate AFTER TRUNCATE ON organization
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_organization();
                CREATE TRIGGER attribute_tile_cells_insert AFTER INSERT ON attribute REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_attribute();
                CREATE TRIGGER attribute_tile_cells_update AFTER UPDATE ON attribute REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_attribute();
                CREATE TRIGGER attribute_tile_cells_delete AFTER DELETE ON attribute REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_attribute();
                CREATE TRIGGER attribute_tile_cells_truncate AFTER TRUNCATE ON attribute
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_attribute();
                CREATE TRIGGER taxonomy_term_tile_cells AFTER UPDATE OR DELETE OR TRUNCATE ON taxonomy_term
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_all();

                -- Every lone cell is filled by the next refresh.
                INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS service_tile_cells_update ON service;
                DROP TRIGGER IF EXISTS service_tile_cells_truncate ON service;
                DROP TRIGGER IF EXISTS organization_tile_cells_update ON organization;
                DROP TRIGGER IF EXISTS organization_tile_cells_truncate ON organization;
                DROP TRIGGER IF EXISTS attribute_tile_cells_insert ON attribute;
                DROP TRIGGER IF EXISTS attribute_tile_cells_update ON attribute;
                DROP TRIGGER IF EXISTS attribute_tile_cells_delete ON attribute;
                DROP TRIGGER IF EXISTS attribute_tile_cells_truncate ON attribute;
                DROP TRIGGER IF EXISTS taxonomy_term_tile_cells ON taxonomy_term;
                DROP FUNCTION IF EXISTS tile_cells_mark_all();
                DROP FUNCTION IF EXISTS tile_cells_mark_attribute();
                DROP FUNCTION IF EXISTS tile_cells_mark_organization();
                DROP FUNCTION IF EXISTS tile_cells_mark_service();
                CREATE OR REPLACE FUNCTION tile_cells_mark_location() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT k FROM (
                            SELECT tile_cell_key(o.public_point) AS a, tile_cell_key(n.public_point) AS b
                            FROM old_rows o FULL JOIN new_rows n ON n.id = o.id) c,
                            LATERAL (VALUES (c.a), (c.b)) v(k)
                        WHERE c.a IS DISTINCT FROM c.b AND k IS NOT NULL;
                    ELSIF TG_OP = 'DELETE' THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(o.public_point) FROM old_rows o WHERE tile_cell_key(o.public_point) IS NOT NULL;
                    ELSE
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                    END IF;
                    RETURN NULL;
                END $$;
                DROP FUNCTION IF EXISTS tile_cells_refresh();
                ALTER FUNCTION tile_cells_recount() RENAME TO tile_cells_refresh;
                DROP INDEX IF EXISTS ix_tile_cell_unfilled;
                ALTER TABLE tile_cell
                    DROP COLUMN service_id, DROP COLUMN service_name, DROP COLUMN organization_id, DROP COLUMN organization_name,
                    DROP COLUMN status, DROP COLUMN categories, DROP COLUMN languages, DROP COLUMN minimum_age,
                    DROP COLUMN maximum_age, DROP COLUMN visibility;
                """);
        }
    }
}
