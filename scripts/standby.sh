#!/usr/bin/env bash
# A local streaming standby of the local cluster (scripts/localdb.sh), for read replicas and failover drills.
#
#   scripts/standby.sh start             # first time: pg_basebackup -R from the primary; then start it (hot standby)
#   scripts/standby.sh stop [immediate]  # fast shutdown (idempotent); `immediate`: as if it crashed
#   scripts/standby.sh status            # running/stopped, in recovery or not, replay position
#   scripts/standby.sh connstr [app|superuser]  # the read connection string: standby first, primary as fallback;
#                                        # as the app's DML-only role (default, what the API uses) or the superuser
#   scripts/standby.sh destroy           # stop and remove the standby's data
#
# The primary is the cluster of scripts/localdb.sh on REFERRAL_PG_PORT (default 55432); the standby lives in
# $REFERRAL_PG_DIR/standby (default .local/standby, git-ignored) and listens on REFERRAL_STANDBY_PORT (default 55433),
# 127.0.0.1 only. It streams the primary's WAL (primary_conninfo written by pg_basebackup -R) and reconnects by itself
# after the primary restarts. When run as root, the server runs as the `postgres` system user, like localdb.sh's.
set -euo pipefail

PG_MAJOR=15
DB_HOST=127.0.0.1
PRIMARY_PORT="${REFERRAL_PG_PORT:-55432}"
STANDBY_PORT="${REFERRAL_STANDBY_PORT:-55433}"
DB_USER=referral
DB_PASSWORD=referral
DB_NAME=referral
APP_ROLE=referral_app  # the DML-only role of scripts/db-roles.sql (as scripts/localdb.sh connstr app)
PG_OS_USER=postgres
START_TIMEOUT=60

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=pg-lib.sh
. "$SCRIPT_DIR/pg-lib.sh"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
LOCAL_DIR="${REFERRAL_PG_DIR:-$REPO_ROOT/.local}"
STANDBY_DIR="$LOCAL_DIR/standby"
PGDATA_DIR="$STANDBY_DIR/pgdata"
PGLOG="$STANDBY_DIR/postgres.log"

say() { printf 'standby: %s\n' "$*"; }
die() { printf 'standby: ERROR: %s\n' "$*" >&2; exit 1; }

for p in "$PRIMARY_PORT" "$STANDBY_PORT"; do
  case "$p" in ''|*[!0-9]*) die "ports must be numbers (got '$p')" ;; esac
done
[ "$PRIMARY_PORT" != "$STANDBY_PORT" ] || die "REFERRAL_STANDBY_PORT must differ from REFERRAL_PG_PORT ($PRIMARY_PORT)"

BINDIR="${REFERRAL_PG_BINDIR:-/usr/lib/postgresql/$PG_MAJOR/bin}"
if [ ! -x "$BINDIR/pg_basebackup" ] && command -v pg_config >/dev/null 2>&1; then
  BINDIR="$(pg_config --bindir)"
fi
[ -x "$BINDIR/pg_basebackup" ] && [ -x "$BINDIR/pg_ctl" ] || die "PostgreSQL $PG_MAJOR binaries not found in $BINDIR (set REFERRAL_PG_BINDIR)"

psql_on() { # $1 port, rest: psql args
  local port="$1"
  shift
  PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=5 "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$DB_HOST" -p "$port" -U "$DB_USER" -d "$DB_NAME" "$@"
}

is_running() { pg_running "$PGDATA_DIR"; }

connstr() { # $1 app (default: the role the API reads with) | superuser
  local user
  case "${1:-app}" in
    app) user="$APP_ROLE" ;;
    superuser) user="$DB_USER" ;;
    *) die "connstr takes app or superuser (got '$1')" ;;
  esac
  printf 'Host=%s:%s,%s:%s;Database=%s;Username=%s;Password=%s;Target Session Attributes=prefer-standby;Load Balance Hosts=false\n' \
    "$DB_HOST" "$STANDBY_PORT" "$DB_HOST" "$PRIMARY_PORT" "$DB_NAME" "$user" "$DB_PASSWORD"
}

base_backup() {
  say "copying the primary ($DB_HOST:$PRIMARY_PORT) with pg_basebackup -R into $PGDATA_DIR"
  mkdir -p "$STANDBY_DIR"
  if is_root; then
    chown "$PG_OS_USER:" "$STANDBY_DIR"
    chmod 0700 "$STANDBY_DIR"
  fi
  local rc=0
  as_pg env PGPASSWORD="$DB_PASSWORD" "$BINDIR/pg_basebackup" -h "$DB_HOST" -p "$PRIMARY_PORT" -U "$DB_USER" \
    -D "$PGDATA_DIR" -R -X stream --checkpoint=fast >"$STANDBY_DIR/basebackup.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$STANDBY_DIR/basebackup.log" >&2 || true
    rm -rf "$PGDATA_DIR"
    die "pg_basebackup failed (is the primary running? scripts/localdb.sh start)"
  fi
  # The standby's own settings (the copied postgresql.conf names the primary's port; -p overrides it at start).
  cat >>"$PGDATA_DIR/postgresql.auto.conf" <<CONF
hot_standby = on
hot_standby_feedback = on
wal_receiver_timeout = '5s'
wal_retrieve_retry_interval = '1s'
CONF
}

cmd_start() {
  if ! [ -f "$PGDATA_DIR/PG_VERSION" ]; then
    base_backup
  fi
  if is_running; then
    say "already running on $DB_HOST:$STANDBY_PORT"
    return 0
  fi
  rm -f "$PGDATA_DIR/postmaster.pid"
  if is_root; then
    touch "$PGLOG"
    chown "$PG_OS_USER:" "$PGLOG"
  fi
  say "starting the standby on $DB_HOST:$STANDBY_PORT"
  if ! as_pg "$BINDIR/pg_ctl" start -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$START_TIMEOUT" -o "-p $STANDBY_PORT" >/dev/null 2>&1; then
    tail -n 30 "$PGLOG" >&2 || true
    die "pg_ctl start failed (see $PGLOG)"
  fi
  say "ready (read-only, streaming from $DB_HOST:$PRIMARY_PORT)"
  say "ConnectionStrings__ReferralRead=$(connstr)"
}

cmd_stop() {
  local mode="${1:-fast}"
  case "$mode" in fast|immediate) ;; *) die "stop mode must be fast or immediate (got '$mode')" ;; esac
  if ! is_running; then
    say "stopped"
    return 0
  fi
  if ! as_pg "$BINDIR/pg_ctl" stop -D "$PGDATA_DIR" -m "$mode" -w -t 60 >/dev/null; then
    is_running && die "pg_ctl stop failed (see $PGLOG)"
  fi
  say "stopped"
}

cmd_status() {
  if is_running; then
    echo "running ($DB_HOST:$STANDBY_PORT, data $PGDATA_DIR)"
    psql_on "$STANDBY_PORT" -tA -c "SELECT 'in recovery: ' || pg_is_in_recovery() || ', replayed up to ' || coalesce(pg_last_wal_replay_lsn()::text, '-')" || true
  else
    echo "stopped"
  fi
  echo "ConnectionStrings__ReferralRead=$(connstr)"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  connstr) shift; connstr "$@" ;;
  destroy) cmd_stop immediate; rm -rf "$STANDBY_DIR"; say "removed $STANDBY_DIR" ;;
  *) echo "usage: scripts/standby.sh {start|stop [immediate]|status|connstr [app|superuser]|destroy}" >&2; exit 2 ;;
esac
