#!/bin/sh
# Creates the orchestrator's OAuth client once (gateway:delegate and the a2a
# scopes: its child calls go through the gateway on behalf of the caller's
# tenant), and keeps its id and secret in this container's volume, which the
# orchestrator mounts read-only. Run by the orchestrator-client service.
set -eu
dir=/var/lib/agentmesh
if [ -s "$dir/client_id" ] && [ -s "$dir/client_secret" ]; then
  echo "orchestrator client already created: $(cat "$dir/client_id")"
  exit 0
fi
umask 077
node /opt/agentmesh/dist/src/cli/bin.js clients create --name orchestrator --tenant agentmesh --rpm 60000 --burst 1000 \
  --scope gateway:delegate --scope a2a:message:send --scope a2a:tasks:read --scope a2a:tasks:cancel --scope a2a:card:read \
  --json > "$dir/client.json"
node -e '
  const fs = require("node:fs");
  const client = JSON.parse(fs.readFileSync(process.argv[1] + "/client.json", "utf8"));
  fs.writeFileSync(process.argv[1] + "/client_id", client.client_id);
  fs.writeFileSync(process.argv[1] + "/client_secret", client.client_secret);
  fs.rmSync(process.argv[1] + "/client.json");
  console.log("orchestrator client created: " + client.client_id);
' "$dir"
