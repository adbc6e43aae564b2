# Shell functions shared by scripts/localdb.sh and scripts/standby.sh (sourced, not run).
# The caller sets PG_OS_USER (the system user the server runs as when the script runs as root).

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the server's OS user (PG_OS_USER when root, else ourselves),
# from / so that an unreadable working directory does not matter.
as_pg() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
      (cd / && setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@")
    fi
  else
    (cd / && "$@")
  fi
}

# pg_running DATADIR: a live postmaster serves DATADIR. After a machine restart the PID in a stale postmaster.pid
# may belong to an unrelated process: only a postgres process whose working directory is DATADIR counts.
pg_running() {
  local dir="$1" pid
  [ -f "$dir/PG_VERSION" ] || return 1
  pid="$(sed -n 1p "$dir/postmaster.pid" 2>/dev/null || true)"
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || { ! is_root && ps -p "$pid" >/dev/null 2>&1; } || return 1
  if [ -r "/proc/$pid/comm" ]; then
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
      postgres|postmaster) ;;
      *) return 1 ;;
    esac
    # a killed postmaster may linger as a zombie until it is reaped
    local stat
    stat="$(cat "/proc/$pid/stat" 2>/dev/null || true)"
    stat="${stat##*) }"
    case "$stat" in Z*|X*|'') return 1 ;; esac
    local cwd
    cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
    if [ -n "$cwd" ] && [ "$cwd" != "$dir" ] && [ "$cwd" != "$(readlink -f -- "$dir")" ]; then
      return 1
    fi
  fi
  return 0
}
