#!/usr/bin/env bash
# Local PostgreSQL 15 + PostGIS cluster for development and tests.
#
#   scripts/localdb.sh start    # install PostGIS if needed (root/Debian), initdb, start, create DB
#   scripts/localdb.sh stop     # fast shutdown (idempotent); `stop immediate` simulates a crash (recovery at next start)
#   scripts/localdb.sh status   # running/stopped + connection string
#   scripts/localdb.sh psql ... # psql on the local `referral` database (extra args passed through)
#   scripts/localdb.sh connstr [owner|app]  # print an ADO.NET connection string only (default: the superuser's)
#
# Data lives in .local/pgdata (git-ignored), the server log in .local/postgres.log; REFERRAL_PG_DIR puts both
# in another directory (the tests start a throwaway cluster that way).
# The server listens on 127.0.0.1 only (TCP, no unix sockets), port 55432 unless
# REFERRAL_PG_PORT is set. Superuser/password: referral/referral (the tests use it to create their databases).
# Least-privilege roles (README, "Database roles"; scripts/db-roles.sql): referral_owner/referral owns the `referral`
# database and runs the migrations; referral_app/referral is what `make run` serves requests as (DML only).
# When run as root, the server runs as the `postgres` system user.
# REFERRAL_PG_BINDIR may point at another PostgreSQL bin directory (non-Debian systems).
# REFERRAL_PG_NON_DURABLE=1 starts the server with fsync and full-page writes off (PostgreSQL's "non-durable settings":
# an operating-system crash can corrupt the cluster; a server crash loses nothing). For a throwaway test cluster only:
# .ci/run uses it (the tests empty some sixty tables before each test, and each emptying waited on the disk). It
# applies to this start only; nothing is written to postgresql.conf.
set -euo pipefail

PG_MAJOR=15
DB_HOST=127.0.0.1
DB_PORT="${REFERRAL_PG_PORT:-55432}"
DB_USER=referral
DB_PASSWORD=referral
DB_NAME=referral
OWNER_ROLE=referral_owner
APP_ROLE=referral_app
PG_OS_USER=postgres
START_TIMEOUT=30

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=pg-lib.sh
. "$SCRIPT_DIR/pg-lib.sh"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
LOCAL_DIR="${REFERRAL_PG_DIR:-$REPO_ROOT/.local}"
PGDATA_DIR="$LOCAL_DIR/pgdata"
PGLOG="$LOCAL_DIR/postgres.log"

BINDIR=""

say() { printf 'localdb: %s\n' "$*"; }
die() { printf 'localdb: ERROR: %s\n' "$*" >&2; exit 1; }


case "$DB_PORT" in
  ''|*[!0-9]*) die "REFERRAL_PG_PORT must be a port number (got '$DB_PORT')" ;;
esac

connstr() { # $1 port, $2 role (default: the superuser)
  printf 'Host=%s;Port=%s;Database=%s;Username=%s;Password=%s\n' \
    "$DB_HOST" "$1" "$DB_NAME" "${2:-$DB_USER}" "$DB_PASSWORD"
}

role_connstr() { # $1 port, $2 owner|app|"" (the superuser)
  case "${2:-}" in
    '') connstr "$1" ;;
    owner) connstr "$1" "$OWNER_ROLE" ;;
    app) connstr "$1" "$APP_ROLE" ;;
    *) die "connstr takes owner or app (got '$2')" ;;
  esac
}

# ---------------------------------------------------------------- binaries ---

pg_major_of() { # $1 = bin dir; prints the major version of its postgres binary
  local v
  v="$("$1/postgres" --version 2>/dev/null | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p' | head -n1)" || true
  printf '%s' "$v"
}

find_bindir() {
  BINDIR=""
  if [ -n "${REFERRAL_PG_BINDIR:-}" ]; then
    [ -x "$REFERRAL_PG_BINDIR/postgres" ] || die "REFERRAL_PG_BINDIR=$REFERRAL_PG_BINDIR has no postgres binary"
    BINDIR="$REFERRAL_PG_BINDIR"
    return 0
  fi
  local cand candidates=("/usr/lib/postgresql/$PG_MAJOR/bin")
  if command -v pg_config >/dev/null 2>&1; then
    cand="$(pg_config --bindir 2>/dev/null || true)"
    [ -n "$cand" ] && candidates+=("$cand")
  fi
  if command -v postgres >/dev/null 2>&1; then
    cand="$(dirname -- "$(readlink -f -- "$(command -v postgres)")")"
    candidates+=("$cand")
  fi
  for cand in "${candidates[@]}"; do
    if [ -x "$cand/postgres" ] && [ -x "$cand/initdb" ] && [ -x "$cand/pg_ctl" ] \
       && [ "$(pg_major_of "$cand")" = "$PG_MAJOR" ]; then
      BINDIR="$cand"
      return 0
    fi
  done
  return 1
}

sharedir() {
  local d=""
  if [ -x "$BINDIR/pg_config" ]; then
    d="$("$BINDIR/pg_config" --sharedir 2>/dev/null || true)"
  fi
  [ -n "$d" ] || d="/usr/share/postgresql/$PG_MAJOR"
  printf '%s' "$d"
}

have_postgis() { [ -f "$(sharedir)/extension/postgis.control" ]; }

client_bin() { # psql / pg_isready: prefer the server's bin dir, else PATH
  if [ -n "$BINDIR" ] && [ -x "$BINDIR/$1" ]; then
    printf '%s' "$BINDIR/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  else
    die "$1 not found (install postgresql-client-$PG_MAJOR)"
  fi
}

apt_install() {
  local apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  say "installing: $* (apt-get)"
  local i
  for i in 1 2 3; do
    if apt-get "${apt_opts[@]}" update -qq; then break; fi
    [ "$i" -lt 3 ] || die "apt-get update failed"
    sleep 5
  done
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "$@" \
    || die "apt-get install $* failed"
}

ensure_binaries() {
  local have_server=1
  find_bindir || have_server=0
  if [ "$have_server" -eq 1 ] && have_postgis; then
    return 0
  fi
  if ! is_root; then
    if [ "$have_server" -eq 0 ]; then
      echo "PostgreSQL $PG_MAJOR server is missing: run sudo apt-get install -y postgresql-$PG_MAJOR postgresql-$PG_MAJOR-postgis-3" >&2
    fi
    echo "PostGIS is missing: run sudo apt-get install -y postgresql-$PG_MAJOR-postgis-3" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
    die "PostgreSQL $PG_MAJOR and/or PostGIS 3 are missing and this is not a Debian system: install them (or set REFERRAL_PG_BINDIR), or point ConnectionStrings__Referral / ConnectionStrings__ReferralTest at an existing PostGIS server"
  fi
  local pkgs=()
  [ "$have_server" -eq 1 ] || pkgs+=("postgresql-$PG_MAJOR")
  pkgs+=("postgresql-$PG_MAJOR-postgis-3")
  apt_install "${pkgs[@]}"
  find_bindir || die "PostgreSQL $PG_MAJOR server binaries still not found after installing ${pkgs[*]}"
  have_postgis || die "PostGIS still missing after install (no $(sharedir)/extension/postgis.control)"
}

# ------------------------------------------------------------ run as user ---

ensure_os_user() {
  is_root || return 0
  if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    say "creating system user $PG_OS_USER"
    useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
      --shell /usr/sbin/nologin "$PG_OS_USER" \
      || die "could not create system user $PG_OS_USER"
  fi
}

# The postgres user must be able to traverse every directory down to .local
# (CI clones into a mktemp -d directory with mode 0700). Add only the search bit.
ensure_traversable() {
  is_root || return 0
  local path="" part parts
  IFS=/ read -r -a parts <<<"$LOCAL_DIR"
  for part in "${parts[@]}"; do
    [ -n "$part" ] || continue
    path="$path/$part"
    [ -d "$path" ] || break
    if ! as_pg test -x "$path" 2>/dev/null; then
      if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:$PG_OS_USER:x" "$path" 2>/dev/null \
         && as_pg test -x "$path" 2>/dev/null; then
        say "granted $PG_OS_USER search permission on $path (ACL)"
      else
        chmod o+x "$path" || die "cannot make $path traversable for $PG_OS_USER"
        say "added o+x on $path so that $PG_OS_USER can reach the data directory"
      fi
    fi
  done
}

# --------------------------------------------------------------- server state ---

pidfile_pid()  { sed -n 1p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true; }
pidfile_port() { sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true; }

is_running() { pg_running "$PGDATA_DIR"; }

port_in_use() { # something (not ours) accepts TCP connections on 127.0.0.1:$1
  timeout 2 bash -c "exec 3<>/dev/tcp/$DB_HOST/$1" 2>/dev/null
}

describe_port_user() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnp "sport = :$1" 2>/dev/null || true
  fi
}

log_tail() {
  if [ -f "$PGLOG" ]; then
    echo "---- last lines of .local/postgres.log ----" >&2
    tail -n "${1:-25}" "$PGLOG" >&2 || true
    echo "--------------------------------------------" >&2
  fi
}

# ------------------------------------------------------------------- initdb ---

init_cluster() {
  if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
    local v
    v="$(cat "$PGDATA_DIR/PG_VERSION")"
    [ "$v" = "$PG_MAJOR" ] || die ".local/pgdata was created by PostgreSQL $v, not $PG_MAJOR: remove it (rm -rf .local/pgdata) and run start again"
    return 0
  fi
  if [ -d "$PGDATA_DIR" ] && [ -n "$(ls -A "$PGDATA_DIR" 2>/dev/null)" ]; then
    die ".local/pgdata exists but is not a complete cluster (interrupted initdb?): remove it (rm -rf .local/pgdata) and run start again"
  fi

  say "initializing cluster in .local/pgdata"
  mkdir -p "$PGDATA_DIR"
  chmod 0700 "$PGDATA_DIR"
  local pwfile="$LOCAL_DIR/.initdb-pw.$$"
  (umask 077 && printf '%s\n' "$DB_PASSWORD" >"$pwfile")
  if is_root; then
    chown "$PG_OS_USER:" "$PGDATA_DIR" "$pwfile"
  fi

  local locale_opts=(--no-locale)
  if command -v locale >/dev/null 2>&1 && locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale_opts=(--locale=C.UTF-8)
  fi

  local rc=0
  as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -U "$DB_USER" --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 "${locale_opts[@]}" \
    >"$LOCAL_DIR/initdb.log" 2>&1 || rc=$?
  rm -f "$pwfile"
  if [ "$rc" -ne 0 ]; then
    cat "$LOCAL_DIR/initdb.log" >&2 || true
    rm -rf "$PGDATA_DIR"
    die "initdb failed"
  fi

  cat >>"$PGDATA_DIR/postgresql.conf" <<EOF

# ---- Referral local development cluster (written by scripts/localdb.sh) ----
listen_addresses = '$DB_HOST'
port = 55432                      # scripts/localdb.sh passes -p \$REFERRAL_PG_PORT
unix_socket_directories = ''      # TCP only
max_connections = 200
timezone = 'UTC'
log_timezone = 'UTC'
EOF
}

# ---------------------------------------------------------------- settings ---

# Server settings for the import's bulk writes (README, "Running at scale" / PostgreSQL settings; the same values
# as docker-compose.yml). Written into the data directory at every start, and included from postgresql.conf, so that a
# cluster made by an older version of this script gets them too; idempotent. shared_buffers and wal_buffers take effect
# when the server (re)starts, the others on reload. ALTER SYSTEM (postgresql.auto.conf) still overrides them.
SETTINGS_FILE=referral-settings.conf
write_settings() {
  local conf="$PGDATA_DIR/$SETTINGS_FILE"
  cat >"$conf.tmp" <<'EOF'
# Written by scripts/localdb.sh at every start: edits here are lost (use ALTER SYSTEM to override).
# Sized for a development or small production server (README, "PostgreSQL settings"): several test clusters
# run side by side on one machine, so memory stays modest.
shared_buffers = 1GB              # default 128MB: a 1M-row import's tables and indexes are several GB
wal_buffers = 64MB                # default 1/32 of shared_buffers, at most 16MB: bulk inserts and index builds
max_wal_size = 8GB                # default 1GB: fewer checkpoints in a bulk load, so fewer full-page images
min_wal_size = 256MB
checkpoint_timeout = 30min        # default 5min
wal_compression = lz4             # full-page images compressed (PostgreSQL 15, built --with-lz4 on Debian)
EOF
  mv -f "$conf.tmp" "$conf"
  if is_root; then chown "$PG_OS_USER:" "$conf"; fi
  if ! grep -q "^include_if_exists = '$SETTINGS_FILE'" "$PGDATA_DIR/postgresql.conf"; then
    printf "\n# Referral's server settings (scripts/localdb.sh rewrites this file at every start)\ninclude_if_exists = '%s'\n" \
      "$SETTINGS_FILE" >>"$PGDATA_DIR/postgresql.conf"
  fi
}

# ------------------------------------------------------------ subcommands ---

psql_cmd() { # $1 port, $2 database, rest: psql args
  local port="$1" db="$2"
  shift 2
  PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=10 "$(client_bin psql)" -X -q -v ON_ERROR_STOP=1 \
    -h "$DB_HOST" -p "$port" -U "$DB_USER" -d "$db" "$@"
}

wait_ready() { # $1 port
  local isready deadline
  isready="$(client_bin pg_isready)"
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  until "$isready" -q -h "$DB_HOST" -p "$1" -t 2 >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log_tail 30
      die "PostgreSQL did not become ready on $DB_HOST:$1 within ${START_TIMEOUT}s (see .local/postgres.log)"
    fi
    if ! is_running; then
      log_tail 30
      die "PostgreSQL exited during startup (see .local/postgres.log)"
    fi
    sleep 0.5
  done
}

ensure_database() { # $1 port
  local port="$1" exists
  exists="$(psql_cmd "$port" postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" \
    || die "cannot connect to $DB_HOST:$port as $DB_USER (is another PostgreSQL using this port?)"
  if [ "$exists" != "1" ]; then
    say "creating database $DB_NAME"
    psql_cmd "$port" postgres -c "CREATE DATABASE \"$DB_NAME\"" >/dev/null
  fi
  psql_cmd "$port" "$DB_NAME" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null \
    || die "could not create the postgis extension in database $DB_NAME"
  ensure_roles "$port"
}

# The schema owner (migrations) and the app's DML-only role, with the grants of scripts/db-roles.sql. Idempotent.
ensure_roles() { # $1 port
  local port="$1" role
  for role in "$OWNER_ROLE" "$APP_ROLE"; do
    psql_cmd "$port" postgres -v role="$role" -v password="$DB_PASSWORD" >/dev/null <<'SQL' \
      || die "could not create role $role"
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SQL
  done
  psql_cmd "$port" "$DB_NAME" -v owner="$OWNER_ROLE" -v app="$APP_ROLE" -f "$REPO_ROOT/scripts/db-roles.sql" >/dev/null \
    || die "could not grant the roles' privileges (scripts/db-roles.sql)"
}

SERVER_OPTIONS=""
if [ "${REFERRAL_PG_NON_DURABLE:-0}" = 1 ]; then
  SERVER_OPTIONS=" -c fsync=off -c full_page_writes=off"
fi

start_server() {
  local attempt log_offset rc
  for attempt in 1 2 3 4 5; do
    log_offset=0
    [ -f "$PGLOG" ] && log_offset="$(wc -c <"$PGLOG")"
    rc=0
    as_pg "$BINDIR/pg_ctl" start -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$START_TIMEOUT" \
      -o "-p $DB_PORT$SERVER_OPTIONS" >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 0 ] && return 0
    local recent
    recent="$(tail -c +"$((log_offset + 1))" "$PGLOG" 2>/dev/null || true)"
    if printf '%s' "$recent" | grep -qiE 'could not bind|address already in use'; then
      describe_port_user "$DB_PORT" >&2
      die "port $DB_PORT on $DB_HOST is already in use by another process: stop it, or use another port (REFERRAL_PG_PORT=<port>, and point ConnectionStrings__Referral/ConnectionStrings__ReferralTest at it)"
    fi
    if printf '%s' "$recent" | grep -qiE 'pre-existing shared memory block|lock file .* already exists'; then
      # Children of a killed postmaster may still be exiting: retry shortly.
      say "previous server instance still shutting down; retrying ($attempt)"
      sleep 1
      continue
    fi
    break
  done
  printf '%s\n' "$recent" | tail -n 30 >&2
  die "pg_ctl start failed (see .local/postgres.log)"
}

cmd_start() {
  ensure_binaries
  ensure_os_user
  mkdir -p "$LOCAL_DIR"
  ensure_traversable
  if is_root; then
    # the server's OS user owns the data directory and writes the log
    if [ -d "$PGDATA_DIR" ] && [ "$(stat -c %U "$PGDATA_DIR")" != "$PG_OS_USER" ]; then
      chown -R "$PG_OS_USER:" "$PGDATA_DIR"
    fi
    touch "$PGLOG"
    chown "$PG_OS_USER:" "$PGLOG"
  else
    if [ -d "$PGDATA_DIR" ] && [ ! -O "$PGDATA_DIR" ]; then
      die ".local/pgdata is owned by $(stat -c %U "$PGDATA_DIR"), not $(id -un): run as that user, or remove .local/pgdata"
    fi
  fi
  init_cluster
  write_settings

  local port="$DB_PORT"
  if is_running; then
    port="$(pidfile_port)"
    if [ -n "$port" ] && [ "$port" != "$DB_PORT" ]; then
      die "the local cluster is already running on port $port, not $DB_PORT (REFERRAL_PG_PORT): run scripts/localdb.sh stop first"
    fi
    port="$DB_PORT"
    # settings written above: the reloadable ones now, the rest (shared_buffers, wal_buffers) at the next restart
    as_pg "$BINDIR/pg_ctl" reload -D "$PGDATA_DIR" >/dev/null 2>&1 || true
  else
    local pid
    pid="$(pidfile_pid)"
    if [ -n "$pid" ] && { ! kill -0 "$pid" 2>/dev/null || [ -r "/proc/$pid/comm" ]; }; then
      # stale postmaster.pid (crash / machine restart); postgres would refuse it
      # if its PID now belongs to an unrelated live process
      say "removing stale postmaster.pid (pid $pid)"
      rm -f "$PGDATA_DIR/postmaster.pid"
    fi
    if port_in_use "$DB_PORT"; then
      describe_port_user "$DB_PORT" >&2
      die "port $DB_PORT on $DB_HOST is already in use by another process (not this repository's cluster): stop it, or use another port with REFERRAL_PG_PORT=<port> (and point ConnectionStrings__Referral / ConnectionStrings__ReferralTest at it)"
    fi
    say "starting PostgreSQL $PG_MAJOR on $DB_HOST:$DB_PORT"
    start_server
  fi
  wait_ready "$port"
  ensure_database "$port"
  say "ready: $(connstr "$port")"
}

cmd_stop() {
  local mode="${1:-fast}"
  case "$mode" in fast|immediate) ;; *) die "stop mode must be fast or immediate (got '$mode')" ;; esac
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    say "stopped (no cluster in .local/pgdata)"
    return 0
  fi
  if ! is_running; then
    say "stopped"
    return 0
  fi
  find_bindir || die "PostgreSQL $PG_MAJOR binaries not found; cannot stop the server (pid $(pidfile_pid))"
  say "stopping PostgreSQL (pid $(pidfile_pid))"
  if ! as_pg "$BINDIR/pg_ctl" stop -D "$PGDATA_DIR" -m "$mode" -w -t 60 >/dev/null; then
    is_running || { say "stopped"; return 0; }
    die "pg_ctl stop failed (see .local/postgres.log)"
  fi
  say "stopped"
}

cmd_status() {
  if is_running; then
    local port
    port="$(pidfile_port)"
    [ -n "$port" ] || port="$DB_PORT"
    echo "running (pid $(pidfile_pid), $DB_HOST:$port, data .local/pgdata)"
    echo "ConnectionStrings__Referral=$(connstr "$port" "$APP_ROLE")"
    echo "ConnectionStrings__ReferralMigrations=$(connstr "$port" "$OWNER_ROLE")"
  else
    echo "stopped"
    echo "ConnectionStrings__Referral=$(connstr "$DB_PORT" "$APP_ROLE")"
    echo "ConnectionStrings__ReferralMigrations=$(connstr "$DB_PORT" "$OWNER_ROLE")"
  fi
}

cmd_psql() {
  local port
  if is_running; then
    port="$(pidfile_port)"
    [ -n "$port" ] || port="$DB_PORT"
    find_bindir || true
  else
    cmd_start >&2
    port="$DB_PORT"
  fi
  PGPASSWORD="$DB_PASSWORD" exec "$(client_bin psql)" -h "$DB_HOST" -p "$port" -U "$DB_USER" -d "$DB_NAME" "$@"
}

usage() {
  cat <<EOF
usage: scripts/localdb.sh {start|stop|status|psql [args...]|connstr [owner|app]}
  start    install PostGIS if missing, create/start the cluster in .local/pgdata on
           $DB_HOST:\${REFERRAL_PG_PORT:-55432}, create database '$DB_NAME' with postgis
  stop     stop the cluster (fast shutdown; 'stop immediate': as if it crashed)
  status   print running/stopped and the connection string
  psql     open psql on the '$DB_NAME' database (starts the cluster if needed)
  connstr  print the superuser's connection string; 'connstr owner' the schema owner's
           (migrations), 'connstr app' the app's DML-only role's
EOF
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    start)   cmd_start ;;
    stop)    cmd_stop "$@" ;;
    status)  cmd_status ;;
    psql)    cmd_psql "$@" ;;
    connstr) role_connstr "$DB_PORT" "${1:-}" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
