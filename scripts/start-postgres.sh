#!/usr/bin/env bash
# Starts a private PostgreSQL server for ScaleLab's run store, or reuses the one it started
# before, and prints the store URL as the last line of its output (stdout; progress goes to
# stderr), for `--store`, SCALELAB_STORE or SCALELAB_TEST_POSTGRES_URL:
#
#   url=$(bash scripts/start-postgres.sh | tail -1)      # postgresql://scalelab@127.0.0.1:55432/scalelab
#   scalelab ladder plan ... --store "$url"
#
# - Installs Debian's `postgresql` with apt-get when no PostgreSQL server is installed.
# - Its own data folder (SCALELAB_PG_DIR, default /tmp/scalelab-pg: data/, server.log and the
#   Unix socket), its own port on 127.0.0.1 (SCALELAB_PG_PORT, default 55432, so it never
#   clashes with a system server on 5432), run as the `postgres` user when started by root.
# - Local connections are trusted (no password): a server for one machine's runners and tests,
#   not one to expose on a network.
# - A database `scalelab` owned by a role `scalelab` (created when missing).
# - Reuses a server that already answers on the port; removes a stale postmaster.pid left by a
#   killed server; exits 1 with the end of the server's log when it cannot start one.
#
#   bash scripts/start-postgres.sh stop    # stops the server (the data folder stays)
set -euo pipefail

dir=${SCALELAB_PG_DIR:-/tmp/scalelab-pg}
port=${SCALELAB_PG_PORT:-55432}
host=127.0.0.1
database=scalelab
role=scalelab
data="$dir/data"
log="$dir/server.log"
say() { echo "start-postgres: $*" >&2; }
fail() {
    say "FAIL: $*"
    if [ -f "$log" ]; then
        say "last lines of $log:"
        tail -n 20 "$log" | sed 's/^/    /' >&2
    fi
    exit 1
}

# The newest installed server's programs (Debian keeps them in /usr/lib/postgresql/<major>/bin).
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
    [ "$(id -u)" -eq 0 ] || fail "PostgreSQL is not installed and this is not root: install Debian's postgresql (apt-get install postgresql)"
    say "installing Debian's postgresql (apt-get) ..."
    apt-get update -qq >&2 || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || fail "apt-get install postgresql failed"
    bin=$(find_bin)
    [ -n "$bin" ] && [ -x "$bin/postgres" ] || fail "postgresql was installed but no server was found in /usr/lib/postgresql/*/bin"
fi

# The server runs as `postgres` when we are root (PostgreSQL refuses to run as root).
if [ "$(id -u)" -eq 0 ]; then
    user=postgres
    id "$user" >/dev/null 2>&1 || fail "no user '$user' to run the server as (the postgresql package creates it)"
    as_server() { runuser -u "$user" -- "$@"; }
else
    user=$(id -un)
    as_server() { "$@"; }
fi

url="postgresql://$role@$host:$port/$database"
ready() { "$bin/pg_isready" -q -h "$host" -p "$port" -U postgres -t 2 >/dev/null 2>&1; }
# Whether pid $1 is a live (not zombie) postgres process.
is_server() {
    [ -n "$1" ] && [ -r "/proc/$1/comm" ] && grep -qx 'postgres' "/proc/$1/comm" \
        && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
psql_admin() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres -d postgres "$@"; }

if [ "${1:-}" = stop ]; then
    if [ -f "$data/postmaster.pid" ]; then
        as_server "$bin/pg_ctl" -D "$data" -m fast -w stop >&2 || fail "could not stop the server in $data"
    else
        say "no server running from $data"
    fi
    exit 0
fi

if ready; then
    say "reusing the server on $host:$port"
else
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
    chmod 700 "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
        say "creating a new server in $data ($("$bin/postgres" --version))"
        as_server "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    fi
    # A server killed with -9 leaves postmaster.pid behind; if its pid is no longer a postgres
    # process (gone, or reused by another program), the file is stale.
    if [ -f "$data/postmaster.pid" ]; then
        pid=$(head -n 1 "$data/postmaster.pid")
        if is_server "$pid"; then
            say "a server (pid $pid) is running from $data but does not answer on port $port yet; waiting"
            for _ in $(seq 1 30); do ready && break; sleep 1; done
            ready || fail "the server with pid $pid runs from $data but does not answer on $host:$port (another port?); stop it with: bash scripts/start-postgres.sh stop"
        else
            say "removing the stale $data/postmaster.pid (pid $pid is not a running server)"
            rm -f "$data/postmaster.pid"
        fi
    fi
    # Likewise the Unix socket's lock file (it names the pid of the server that made it).
    lock="$dir/.s.PGSQL.$port.lock"
    if [ -f "$lock" ] && ! ready; then
        pid=$(head -n 1 "$lock")
        if ! is_server "$pid"; then
            say "removing the stale $lock (pid $pid is not a running server)"
            rm -f "$lock" "$dir/.s.PGSQL.$port"
        fi
    fi
    if ! ready; then
        say "starting the server on $host:$port (log: $log)"
        touch "$log" && { [ "$(id -u)" -ne 0 ] || chown "$user" "$log"; }
        as_server "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
            -o "-p $port -c listen_addresses=$host -k $dir" start >&2 \
            || fail "the server did not start"
        ready || fail "the server started but does not answer on $host:$port"
    fi
fi

# The role and the database (idempotent).
if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" ]; then
    psql_admin -c "CREATE ROLE $role LOGIN CREATEDB" >&2 || fail "could not create the role $role"
fi
if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
    psql_admin -c "CREATE DATABASE $database OWNER $role" >&2 || fail "could not create the database $database"
fi
say "ready: $url"
echo "$url"
