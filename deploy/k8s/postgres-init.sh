#!/bin/sh
# Runs once, on an empty data directory: the roles and databases of tradegame and Temporal.
# deploy/k8s puts it in the postgres-init ConfigMap; Helm users pass it to their chart's initdb.
set -eu
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v tradegame_password="$TRADEGAME_PASSWORD" -v temporal_password="$TEMPORAL_PASSWORD" <<'SQL'
CREATE ROLE tradegame LOGIN PASSWORD :'tradegame_password';
CREATE DATABASE tradegame OWNER tradegame;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
