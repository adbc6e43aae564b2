using System;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// service.public_last_modified: when the public view of the service last changed (issue 11 item 12). NULL means "the
    /// same as last_modified"; the writer keeps the earlier time when a write changes only what the public does not see
    /// (a confidential location's exact point or address), so the public ETag and last_modified do not reveal it. Written
    /// by hand (one nullable column); the model snapshot carries it.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261205140000_AddServicePublicLastModified")]
    public partial class AddServicePublicLastModified : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "public_last_modified",
                table: "service",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "public_last_modified",
                table: "service");
        }
    }
}
