#!/usr/bin/env bash
# A streaming replica of this machine's PostgreSQL on loopback, for the replica and
# multi-node tests (.ci/run) and bench/national.py. Debian's tools, run as root:
#
#   deploy/replica-test-cluster.sh up     # cluster "replica" on port 5433, streaming from main (5432)
#   deploy/replica-test-cluster.sh down   # stop it, remove it, drop its replication slot
#
# REPLICA_PORT, REPLICA_NAME, PRIMARY_PORT change the defaults. Not for production: a
# production replica is described in docs/deploy.md ("Nhiều máy chủ").
set -euo pipefail
VERSION=${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -1)}
NAME=${REPLICA_NAME:-replica}
PORT=${REPLICA_PORT:-5433}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
SLOT=diemcau_${NAME//-/_}
DATA=/var/lib/postgresql/$VERSION/$NAME
HBA=/etc/postgresql/$VERSION/main/pg_hba.conf
MARK="# diemcau replica-test-cluster"
primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -XAtqc "$1"; }

down() {
  if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $NAME"; then
    pg_dropcluster --stop "$VERSION" "$NAME"
  fi
  rm -rf "$DATA"  # what a failed "up" may have left
  # A slot left behind would keep WAL on the primary for ever.
  primary "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
}

up() {
  down
  # Replication connections from loopback (a first-match rule, so it goes on top).
  if ! grep -q "$MARK" "$HBA"; then
    sed -i "1i host replication postgres 127.0.0.1/32 trust $MARK" "$HBA"
    primary "SELECT pg_reload_conf()" >/dev/null
  fi
  [ "$(primary 'SHOW wal_level')" != minimal ] || { echo "wal_level=minimal on the primary: set replica and restart" >&2; exit 1; }
  install -d -o postgres -g postgres -m 0700 "$DATA"
  # -R writes standby.signal and primary_conninfo; the slot keeps the WAL the replica still needs.
  runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" \
    -R -X stream -C -S "$SLOT" -c fast
  # pg_createcluster adopts the copied data directory as it is (no initdb) and moves these to /etc.
  # A test cluster on loopback: trust, as the primary of CI and of this machine.
  printf 'local all all peer\nhost all all 127.0.0.1/32 trust\n' > "$DATA/pg_hba.conf"
  : > "$DATA/pg_ident.conf"
  : > "$DATA/postgresql.conf"
  chown postgres:postgres "$DATA"/*.conf
  pg_createcluster "$VERSION" "$NAME" -p "$PORT" -d "$DATA" >/dev/null
  pg_conftool -s "$VERSION" "$NAME" set hot_standby on
  # Long report queries are not cancelled by the primary's vacuum.
  pg_conftool -s "$VERSION" "$NAME" set hot_standby_feedback on
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
  for _ in $(seq 1 60); do
    if [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -XAtqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] \
       && [ -n "$(primary "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'")" ]; then
      echo "replica streaming on 127.0.0.1:$PORT (cluster $VERSION/$NAME, slot $SLOT)"
      return 0
    fi
    sleep 0.5
  done
  echo "the replica did not start streaming; see /var/log/postgresql/postgresql-$VERSION-$NAME.log" >&2
  exit 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
