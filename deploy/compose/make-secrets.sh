#!/bin/sh
# Writes the secrets compose.yaml reads, once: an existing file is kept, so a
# restart (or a second run) never changes a secret the data depends on
# (GATEWAY_SECRET seals the gateway's keys; AGENTMESH_SECRET the push configs).
# Back ./secrets up with the database. Needs openssl.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
umask 077
keep() { [ -s "secrets/$1" ] && echo "kept    secrets/$1" && return 0; return 1; }
put() { keep "$1" || { printf '%s' "$2" > "secrets/$1"; echo "created secrets/$1"; }; }
put postgres_password "$(openssl rand -hex 24)"
# The roles of deploy/postgres/roles.sql (PostgreSQL creates them on its first start):
# agentmesh serves as agentmesh_app and migrates as agentmesh_migrator.
put db_migrator_password "$(openssl rand -hex 24)"
put db_app_password "$(openssl rand -hex 24)"
# The roles reach PostgreSQL through PgBouncer (transaction mode); migrations go to PostgreSQL itself.
put pgbouncer_userlist "\"agentmesh_app\" \"$(cat secrets/db_app_password)\""
if ! keep database_url; then
  printf 'postgres://agentmesh_app:%s@pgbouncer:6432/agentmesh' "$(cat secrets/db_app_password)" > secrets/database_url
  echo "created secrets/database_url"
  put database_migration_url "postgres://agentmesh_migrator:$(cat secrets/db_migrator_password)@postgres:5432/agentmesh"
fi
# A project made before the roles keeps its one role (its volume has no others) for both.
keep database_migration_url || { cp secrets/database_url secrets/database_migration_url; echo "created secrets/database_migration_url (the role of database_url)"; }
put registry_token "$(openssl rand -hex 24)"
put gateway_secret "$(openssl rand -hex 32)"
put gateway_admin_token "$(openssl rand -hex 24)"
put agentmesh_secret "$(openssl rand -hex 32)"
put grafana_admin_password "$(openssl rand -hex 16)"
keep gateway_card_signing_key.pem || { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out secrets/gateway_card_signing_key.pem; echo "created secrets/gateway_card_signing_key.pem"; }
keep agent_signing_key.pem || { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out secrets/agent_signing_key.pem; echo "created secrets/agent_signing_key.pem"; }
# The containers run as uid 10001 and read these files (Compose bind-mounts them as they are).
chmod 644 secrets/*
