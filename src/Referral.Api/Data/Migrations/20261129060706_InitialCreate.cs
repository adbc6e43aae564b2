using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NetTopologySuite.Geometries;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,")
                .Annotation("Npgsql:PostgresExtension:postgis", ",,")
                .Annotation("Npgsql:PostgresExtension:unaccent", ",,");

            migrationBuilder.CreateTable(
                name: "audit_entry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<Guid>(type: "uuid", nullable: false),
                    before = table.Column<string>(type: "jsonb", nullable: true),
                    after = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_entry", x => x.id);
                    table.CheckConstraint("ck_audit_entry_action", "action IN ('create', 'update', 'delete')");
                });

            migrationBuilder.CreateTable(
                name: "demand_dataset",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    source = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    license = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    is_demo = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_demand_dataset", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "organization",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    alternate_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    website = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    legal_status = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    year_incorporated = table.Column<int>(type: "integer", nullable: true),
                    is_demo = table.Column<bool>(type: "boolean", nullable: false),
                    last_modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_organization", x => x.id);
                    table.CheckConstraint("ck_organization_year", "year_incorporated IS NULL OR year_incorporated BETWEEN 1800 AND 2200");
                });

            migrationBuilder.CreateTable(
                name: "place",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    geonames_id = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    country = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    region_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    feature_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    population = table.Column<long>(type: "bigint", nullable: false),
                    point = table.Column<Point>(type: "geography (point, 4326)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_place", x => x.id);
                    table.CheckConstraint("ck_place_population", "population >= 0");
                });

            migrationBuilder.CreateTable(
                name: "region",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    level = table.Column<int>(type: "integer", nullable: false),
                    parent_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    geometry = table.Column<MultiPolygon>(type: "geography (multipolygon, 4326)", nullable: true),
                    population = table.Column<long>(type: "bigint", nullable: true),
                    area_class = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    source = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_region", x => x.id);
                    table.CheckConstraint("ck_region_area_class", "area_class IS NULL OR area_class IN ('urban', 'rural', 'mixed')");
                    table.CheckConstraint("ck_region_population", "population IS NULL OR population >= 0");
                });

            migrationBuilder.CreateTable(
                name: "taxonomy",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: false),
                    uri = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_taxonomy", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "demand_point",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    dataset_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    point = table.Column<Point>(type: "geography (point, 4326)", nullable: false),
                    population = table.Column<long>(type: "bigint", nullable: true),
                    settlement_class = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    region_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_demand_point", x => x.id);
                    table.CheckConstraint("ck_demand_point_class", "settlement_class IS NULL OR settlement_class IN ('city', 'town', 'village', 'hamlet', 'urban_centre', 'urban_cluster', 'rural')");
                    table.CheckConstraint("ck_demand_point_population", "population IS NULL OR population >= 0");
                    table.ForeignKey(
                        name: "fk_demand_point_demand_dataset_dataset_id",
                        column: x => x.dataset_id,
                        principalTable: "demand_dataset",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "location",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: true),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    alternate_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    location_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    transportation = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    accessibility = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    point = table.Column<Point>(type: "geography (point, 4326)", nullable: true),
                    visibility = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    is_demo = table.Column<bool>(type: "boolean", nullable: false),
                    last_modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_location", x => x.id);
                    table.CheckConstraint("ck_location_point_range", "point IS NULL OR (ST_Y(point::geometry) BETWEEN -90 AND 90 AND ST_X(point::geometry) BETWEEN -180 AND 180)");
                    table.CheckConstraint("ck_location_type", "location_type IN ('physical', 'postal', 'virtual')");
                    table.CheckConstraint("ck_location_visibility", "visibility IN ('public', 'approximate', 'hidden')");
                    table.ForeignKey(
                        name: "fk_location_organizations_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organization",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "service",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    alternate_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    interpretation_services = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    application_process = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    fees_description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    eligibility_description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    minimum_age = table.Column<int>(type: "integer", nullable: true),
                    maximum_age = table.Column<int>(type: "integer", nullable: true),
                    alert = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    assured_date = table.Column<DateOnly>(type: "date", nullable: true),
                    assurer_email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    is_free = table.Column<bool>(type: "boolean", nullable: true),
                    available_24_7 = table.Column<bool>(type: "boolean", nullable: false),
                    genders = table.Column<string[]>(type: "text[]", nullable: false),
                    delivery_modes = table.Column<string[]>(type: "text[]", nullable: false),
                    languages = table.Column<string[]>(type: "text[]", nullable: false),
                    audience = table.Column<string[]>(type: "text[]", nullable: false),
                    platforms = table.Column<string[]>(type: "text[]", nullable: false),
                    is_demo = table.Column<bool>(type: "boolean", nullable: false),
                    last_modified = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service", x => x.id);
                    table.CheckConstraint("ck_service_age_range", "minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age");
                    table.CheckConstraint("ck_service_audience", "audience <@ ARRAY['child', 'caregiver', 'professional']::text[]");
                    table.CheckConstraint("ck_service_delivery_modes", "delivery_modes <@ ARRAY['in_person', 'phone', 'sms', 'whatsapp', 'chat', 'email', 'online_form', 'outreach']::text[]");
                    table.CheckConstraint("ck_service_genders", "genders <@ ARRAY['any', 'female', 'male', 'non_binary', 'other']::text[]");
                    table.CheckConstraint("ck_service_maximum_age", "maximum_age IS NULL OR maximum_age BETWEEN 0 AND 120");
                    table.CheckConstraint("ck_service_minimum_age", "minimum_age IS NULL OR minimum_age BETWEEN 0 AND 120");
                    table.CheckConstraint("ck_service_platforms", "platforms <@ ARRAY['facebook', 'whatsapp', 'tiktok', 'instagram', 'telegram', 'snapchat', 'youtube', 'x', 'games', 'discord', 'twitch', 'roblox', 'other']::text[]");
                    table.CheckConstraint("ck_service_status", "status IN ('active', 'inactive', 'defunct', 'temporarily closed')");
                    table.ForeignKey(
                        name: "fk_service_organization_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organization",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "taxonomy_term",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    taxonomy_id = table.Column<Guid>(type: "uuid", nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: false),
                    parent_id = table.Column<Guid>(type: "uuid", nullable: true),
                    term_uri = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    labels = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_taxonomy_term", x => x.id);
                    table.ForeignKey(
                        name: "fk_taxonomy_term_taxonomy_taxonomy_id",
                        column: x => x.taxonomy_id,
                        principalTable: "taxonomy",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_taxonomy_term_taxonomy_term_parent_id",
                        column: x => x.parent_id,
                        principalTable: "taxonomy_term",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "address",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    location_id = table.Column<Guid>(type: "uuid", nullable: false),
                    attention = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    address_1 = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    address_2 = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    city = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    region = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    state_province = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    postal_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    country = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    address_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_address", x => x.id);
                    table.CheckConstraint("ck_address_country", "country ~ '^[A-Z]{2}$'");
                    table.ForeignKey(
                        name: "fk_address_locations_location_id",
                        column: x => x.location_id,
                        principalTable: "location",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "feedback",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    service_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reason = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    comment = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    resolved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolved_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feedback", x => x.id);
                    table.CheckConstraint("ck_feedback_reason", "reason IN ('closed', 'wrong_phone', 'moved', 'other')");
                    table.CheckConstraint("ck_feedback_status", "status IN ('open', 'resolved', 'dismissed')");
                    table.ForeignKey(
                        name: "fk_feedback_services_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "phone",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    service_id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    extension = table.Column<int>(type: "integer", nullable: true),
                    type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    languages = table.Column<string[]>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_phone", x => x.id);
                    table.CheckConstraint("ck_phone_type", "type IS NULL OR type IN ('voice', 'sms', 'whatsapp', 'text', 'fax', 'cell', 'video', 'pager', 'textphone')");
                    table.ForeignKey(
                        name: "fk_phone_services_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "schedule",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    service_id = table.Column<Guid>(type: "uuid", nullable: false),
                    byday = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    opens_at = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    closes_at = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    valid_from = table.Column<DateOnly>(type: "date", nullable: true),
                    valid_to = table.Column<DateOnly>(type: "date", nullable: true),
                    time_zone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    notes = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_schedule", x => x.id);
                    table.CheckConstraint("ck_schedule_byday", "byday ~ '^(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*$'");
                    table.CheckConstraint("ck_schedule_validity", "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to");
                    table.ForeignKey(
                        name: "fk_schedule_services_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "service_area",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    service_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    extent = table.Column<MultiPolygon>(type: "geography (multipolygon, 4326)", nullable: true),
                    region_codes = table.Column<string[]>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_area", x => x.id);
                    table.CheckConstraint("ck_service_area_has_extent", "extent IS NOT NULL OR cardinality(region_codes) > 0");
                    table.ForeignKey(
                        name: "fk_service_area_services_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "service_at_location",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    service_id = table.Column<Guid>(type: "uuid", nullable: false),
                    location_id = table.Column<Guid>(type: "uuid", nullable: false),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_at_location", x => x.id);
                    table.ForeignKey(
                        name: "fk_service_at_location_location_location_id",
                        column: x => x.location_id,
                        principalTable: "location",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_service_at_location_services_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "attribute",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    service_id = table.Column<Guid>(type: "uuid", nullable: false),
                    taxonomy_term_id = table.Column<Guid>(type: "uuid", nullable: false),
                    value = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_attribute", x => x.id);
                    table.ForeignKey(
                        name: "fk_attribute_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_attribute_taxonomy_terms_taxonomy_term_id",
                        column: x => x.taxonomy_term_id,
                        principalTable: "taxonomy_term",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_address_location_id",
                table: "address",
                column: "location_id");

            migrationBuilder.CreateIndex(
                name: "ix_attribute_service_id_taxonomy_term_id",
                table: "attribute",
                columns: new[] { "service_id", "taxonomy_term_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_attribute_taxonomy_term_id",
                table: "attribute",
                column: "taxonomy_term_id");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entry_at",
                table: "audit_entry",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entry_entity_type_entity_id",
                table: "audit_entry",
                columns: new[] { "entity_type", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "ix_demand_dataset_name",
                table: "demand_dataset",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_demand_point_dataset_id",
                table: "demand_point",
                column: "dataset_id");

            migrationBuilder.CreateIndex(
                name: "ix_demand_point_point",
                table: "demand_point",
                column: "point")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_feedback_service_id_status",
                table: "feedback",
                columns: new[] { "service_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_location_organization_id",
                table: "location",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_location_point",
                table: "location",
                column: "point")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_organization_name",
                table: "organization",
                column: "name");

            migrationBuilder.CreateIndex(
                name: "ix_phone_service_id",
                table: "phone",
                column: "service_id");

            migrationBuilder.CreateIndex(
                name: "ix_place_geonames_id",
                table: "place",
                column: "geonames_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_place_point",
                table: "place",
                column: "point")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_region_code",
                table: "region",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_region_geometry",
                table: "region",
                column: "geometry")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_schedule_service_id",
                table: "schedule",
                column: "service_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_last_modified",
                table: "service",
                column: "last_modified");

            migrationBuilder.CreateIndex(
                name: "ix_service_organization_id",
                table: "service",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_status",
                table: "service",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_service_area_extent",
                table: "service_area",
                column: "extent")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "ix_service_area_region_codes",
                table: "service_area",
                column: "region_codes")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_service_area_service_id",
                table: "service_area",
                column: "service_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_at_location_location_id",
                table: "service_at_location",
                column: "location_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_at_location_service_id_location_id",
                table: "service_at_location",
                columns: new[] { "service_id", "location_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_taxonomy_name",
                table: "taxonomy",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_taxonomy_term_parent_id",
                table: "taxonomy_term",
                column: "parent_id");

            migrationBuilder.CreateIndex(
                name: "ix_taxonomy_term_taxonomy_id_code",
                table: "taxonomy_term",
                columns: new[] { "taxonomy_id", "code" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "address");

            migrationBuilder.DropTable(
                name: "attribute");

            migrationBuilder.DropTable(
                name: "audit_entry");

            migrationBuilder.DropTable(
                name: "demand_point");

            migrationBuilder.DropTable(
                name: "feedback");

            migrationBuilder.DropTable(
                name: "phone");

            migrationBuilder.DropTable(
                name: "place");

            migrationBuilder.DropTable(
                name: "region");

            migrationBuilder.DropTable(
                name: "schedule");

            migrationBuilder.DropTable(
                name: "service_area");

            migrationBuilder.DropTable(
                name: "service_at_location");

            migrationBuilder.DropTable(
                name: "taxonomy_term");

            migrationBuilder.DropTable(
                name: "demand_dataset");

            migrationBuilder.DropTable(
                name: "location");

            migrationBuilder.DropTable(
                name: "service");

            migrationBuilder.DropTable(
                name: "taxonomy");

            migrationBuilder.DropTable(
                name: "organization");
        }
    }
}
