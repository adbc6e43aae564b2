#!/usr/bin/env bash
# First start of the compose database (docker-entrypoint-initdb.d, after the image's PostGIS script): the schema owner
# and the API's DML-only role (README, "Database roles"), then scripts/db-roles.sql. Passwords come from the compose file.
set -euo pipefail
for pair in "referral_owner:${REFERRAL_OWNER_PASSWORD:?}" "referral_app:${REFERRAL_APP_PASSWORD:?}"; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v role="${pair%%:*}" -v password="${pair#*:}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SQL
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v owner=referral_owner -v app=referral_app \
  -f /referral/db-roles.sql
