#!/bin/sh
# Runs once, on an empty data directory: the roles and databases of tradegame and Temporal, and
# on the active region the replicator role and the pg_hba lines of replication to the standby.
# deploy/k8s puts it in the postgres-init ConfigMap; Helm users pass it to their chart's initdb.
set -eu
# The server may already list a synchronous standby that does not exist yet: these commits do not wait.
export PGOPTIONS="-c synchronous_commit=local"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v tradegame_password="$TRADEGAME_PASSWORD" -v temporal_password="$TEMPORAL_PASSWORD" <<'SQL'
CREATE ROLE tradegame LOGIN PASSWORD :'tradegame_password';
CREATE DATABASE tradegame OWNER tradegame;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
# The active region (REPLICATION_CIDRS set): the standby region's server connects as replicator,
# from those CIDRs only (its copy makes the slot it streams through: deploy/k8s replication.py).
if [ -n "${REPLICATION_CIDRS:-}" ]; then
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v replicator_password="$REPLICATOR_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'replicator_password';
SQL
  for cidr in $REPLICATION_CIDRS; do
    printf 'host replication replicator %s scram-sha-256\n' "$cidr" >> "$PGDATA/pg_hba.conf"
  done
fi
