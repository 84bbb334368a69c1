# Sourced by the postgres image's entrypoint on its first start (an empty
# data volume), as the image's superuser: agentmesh's least-privilege roles
# from deploy/postgres/roles.sql, with their passwords from Compose secrets.
# agentmesh then serves as agentmesh_app and migrates as agentmesh_migrator
# (secrets database_url and database_migration_url, see make-secrets.sh).
psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v prefix=agentmesh -v schema=agentmesh \
  -v migrator_password="$(cat /run/secrets/db_migrator_password)" \
  -v app_password="$(cat /run/secrets/db_app_password)" \
  -f /agentmesh/roles.sql
