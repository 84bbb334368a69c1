// The image's HEALTHCHECK (no curl in the image): exits 0 when a role in this
// container answers GET /health with 200, 1 otherwise. One image runs every
// role, each on its own default port (or the one its env names), so it asks
// each port in turn; AGENTMESH_HEALTH_URL names the one URL to ask instead.
// PROBE_PORT first: with TLS the role's own port does not speak plain HTTP,
// its probe listener does (and answers even when client certificates are required).
// /health, not /ready: a container is restarted on liveness, and a role that
// waits for PostgreSQL must not be killed for it (Compose and Kubernetes use
// /ready for traffic).
const env = process.env;
const ports = [env.PROBE_PORT, env.PORT, env.REGISTRY_PORT, env.GATEWAY_PORT, env.ORCHESTRATOR_PORT, '4000', '4100', '4200', '4300'].filter(Boolean);
const urls = env.AGENTMESH_HEALTH_URL ? [env.AGENTMESH_HEALTH_URL] : [...new Set(ports)].map((port) => `http://127.0.0.1:${port}/health`);
for (const url of urls) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (response.ok) process.exit(0);
  } catch {
    // Nothing on that port: try the next.
  }
}
process.exit(1);
