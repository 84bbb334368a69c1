// test-tier: tools (needs kubectl)
/**
 * The Kubernetes overlays tied to the code (what their schemas cannot see),
 * on the objects `kubectl kustomize` renders: every variable a container sets
 * is one the code reads; each role has what it needs to run replicated set;
 * each probe names a path the role serves on a port it listens on; replicas
 * of agents, orchestrator and gateway share one signing key each, from a
 * Secret through the variable the code reads (or, for `up`, a data dir on a
 * PersistentVolumeClaim); and the NetworkPolicies let each role reach every
 * in-cluster URL it is configured to call (OTLP collector, registry, gateway).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { missingRequired, probePathsInCode, probeTargets, roleOf, variablesReadByCode, type Role } from '../../helpers/deploy-env.js';

const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

type Labels = Record<string, string>;
type EnvVar = { name: string; value?: string; valueFrom?: unknown };
type Probe = { httpGet?: { path: string; port: number | string; scheme?: string } };
type Container = {
  name: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
};
type Volume = { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] }; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown };
type PodSpec = { containers: Container[]; volumes?: Volume[] };
type K8sObject = {
  kind: string;
  metadata: { name: string; labels?: Labels };
  data?: Record<string, string>;
  spec?: {
    template?: { metadata?: { labels?: Labels }; spec: PodSpec };
    selector?: Labels & { matchLabels?: Labels };
    ports?: { port: number; targetPort?: number | string }[];
    podSelector?: { matchLabels?: Labels };
    egress?: { to?: Peer[]; ports?: { port?: number | string }[] }[];
    jobTemplate?: unknown;
  };
};
type Peer = { podSelector?: { matchLabels?: Labels }; namespaceSelector?: { matchLabels?: Labels }; ipBlock?: unknown };

async function render(overlay: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', join(root, 'deploy', 'kubernetes', overlay)], { maxBuffer: 16 << 20 }).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
    if (err.code === 'ENOENT') assert.fail('kubectl is not installed: apt-get install kubectl (or see https://kubernetes.io/docs/tasks/tools/)');
    assert.fail(`kubectl kustomize ${overlay} failed: ${err.stderr ?? err.message}`);
  });
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as K8sObject).filter(Boolean);
}

const matches = (selector: Labels | undefined, labels: Labels | undefined): boolean => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

interface Workload {
  object: K8sObject;
  pod: PodSpec;
  labels: Labels;
  container: Container;
  /** The variables set, with the ConfigMaps' keys it takes through envFrom. */
  env: Record<string, string | undefined>;
  role: Role | 'up' | undefined;
}

function workloads(objects: K8sObject[]): Workload[] {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind) && o.spec?.template)
    .flatMap((object) =>
      object.spec!.template!.spec.containers.map((container) => {
        const env: Record<string, string | undefined> = {};
        for (const from of container.envFrom ?? []) Object.assign(env, configMaps.get(from.configMapRef?.name ?? '') ?? {});
        for (const variable of container.env ?? []) env[variable.name] = variable.value;
        return { object, pod: object.spec!.template!.spec, labels: object.spec!.template!.metadata?.labels ?? {}, container, env, role: container.args?.[0] === 'up' ? ('up' as const) : roleOf(container.args) };
      }),
    );
}

/** The volume and item a file path in the container comes from. */
function sourceOfFile(w: Workload, file: string): { volume: Volume; key?: string } | undefined {
  for (const mount of w.container.volumeMounts ?? []) {
    if (!file.startsWith(`${mount.mountPath}/`)) continue;
    const volume = w.pod.volumes?.find((v) => v.name === mount.name);
    if (volume === undefined) return undefined;
    const rest = file.slice(mount.mountPath.length + 1);
    const key = volume.secret ? (volume.secret.items ? volume.secret.items.find((item) => item.path === rest)?.key : rest) : undefined;
    return { volume, ...(key !== undefined && { key }) };
  }
  return undefined;
}

/** True when the policies selecting `w`'s pods allow egress to pods labelled `target` (or namespace `namespace`) on `port`. */
function egressAllowed(objects: K8sObject[], w: Workload, dest: { labels?: Labels; namespace?: string; port: number }): boolean {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && matches(o.spec?.podSelector?.matchLabels, w.labels));
  return policies.some((policy) =>
    (policy.spec?.egress ?? []).some((rule) => {
      const portOk = rule.ports === undefined || rule.ports.some((p) => p.port === undefined || p.port === dest.port);
      const peerOk =
        rule.to === undefined ||
        rule.to.some((peer) =>
          dest.namespace !== undefined
            ? peer.namespaceSelector !== undefined && matches(peer.namespaceSelector.matchLabels, { 'kubernetes.io/metadata.name': dest.namespace }) && peer.podSelector === undefined
            : peer.podSelector !== undefined && peer.namespaceSelector === undefined && matches(peer.podSelector.matchLabels, dest.labels),
        );
      return portOk && peerOk;
    }),
  );
}

/** The in-cluster destinations a container is configured to call: its URL variables (not its own public URL or issuer) and the plain hosts it allow-lists. */
function destinations(objects: K8sObject[], w: Workload): { what: string; labels?: Labels; namespace?: string; port: number }[] {
  const services = new Map(objects.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, o]));
  const podPort = (service: K8sObject, port: number | undefined): number[] => {
    const target = (service.spec?.ports ?? []).filter((p) => port === undefined || p.port === port).map((p) => p.targetPort ?? p.port);
    const selector = service.spec?.selector;
    return target.map((t) => {
      if (typeof t === 'number') return t;
      const owner = workloads(objects).find((x) => matches(selector, x.labels));
      return owner?.container.ports?.find((p) => p.name === t)?.containerPort ?? Number.NaN;
    });
  };
  const out: ReturnType<typeof destinations> = [];
  for (const [name, value] of Object.entries(w.env)) {
    if (value === undefined || /PUBLIC_URL$|^PUBLIC_URL$|ISSUER$/.test(name) || !/^https?:\/\//.test(value)) continue;
    const url = new URL(value.replace(/\$\(\w+\)/g, 'x'));
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const [host, namespace] = url.hostname.split('.');
    const service = services.get(host!);
    if (namespace === undefined && service !== undefined) {
      for (const p of podPort(service, port)) out.push({ what: `${name}=${value}`, labels: service.spec!.selector!, port: p });
    } else if (namespace !== undefined && namespace !== 'svc' && !url.hostname.endsWith('.svc.cluster.local')) {
      out.push({ what: `${name}=${value}`, namespace, port });
    }
  }
  for (const host of (w.env['AGENTMESH_ALLOW_HOSTS'] ?? '').split(',').map((h) => h.trim())) {
    const service = services.get(host);
    if (service === undefined) continue;
    for (const p of podPort(service, undefined)) out.push({ what: `AGENTMESH_ALLOW_HOSTS ${host}`, labels: service.spec!.selector!, port: p });
  }
  return out;
}

const read = variablesReadByCode();
const served = probePathsInCode();

for (const overlay of ['single', 'production', 'production/migrate', 'production-mtls']) {
  describe(`deploy/kubernetes/${overlay} against the code`, () => {
    test('every variable a container sets is read by the code (or used in another variable as $(NAME))', async () => {
      for (const w of workloads(await render(overlay))) {
        const referenced = new Set(Object.values(w.env).flatMap((v) => [...(v ?? '').matchAll(/\$\((\w+)\)/g)].map((m) => m[1]!)));
        for (const name of Object.keys(w.env)) assert.ok(read.has(name) || referenced.has(name), `${w.object.kind}/${w.object.metadata.name}: ${name} is read by no config loader`);
      }
    });

    test('each role has what it needs to run replicated set', async () => {
      for (const w of workloads(await render(overlay))) {
        if (w.role === undefined || w.role === 'up') continue;
        assert.deepEqual(missingRequired(w.role, new Set(Object.keys(w.env))), [], `${w.object.metadata.name} (${w.role})`);
      }
    });

    test('each probe names a path the role serves, on a port it listens on', async () => {
      for (const w of workloads(await render(overlay))) {
        if (w.role === undefined) continue;
        const allowed = w.role === 'up' ? { ports: new Set([4000, 4100, 4200, 4300]), paths: new Set(['/health', '/ready']) } : probeTargets(w.role, w.env);
        for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
          const get = w.container[kind]?.httpGet;
          assert.ok(get, `${w.object.metadata.name}: no ${kind} over HTTP`);
          const port = typeof get.port === 'number' ? get.port : w.container.ports?.find((p) => p.name === get.port)?.containerPort;
          assert.ok(port !== undefined && allowed.ports.has(port), `${w.object.metadata.name} ${kind}: port ${get.port} (${port}) is not where ${w.role} listens (${[...allowed.ports].join(', ')})`);
          assert.ok(allowed.paths.has(get.path) && served.has(get.path), `${w.object.metadata.name} ${kind}: ${get.path} is not a probe path the role serves`);
        }
      }
    });

    test('agents, orchestrator and gateway replicas share one signing key each, from a Secret through the variable the code reads', async () => {
      const keyVariable: Partial<Record<Role, string>> = { gateway: 'GATEWAY_CARD_SIGNING_KEY_FILE', agents: 'AGENTMESH_SIGNING_KEY_FILE', orchestrator: 'AGENTMESH_SIGNING_KEY_FILE' };
      for (const w of workloads(await render(overlay))) {
        if (w.role === 'up') {
          // One pod (`up`): its generated keys live in the data dir, which must outlive the pod.
          const dataDir = w.env['AGENTMESH_DATA_DIR'] ?? '/var/lib/agentmesh';
          const source = sourceOfFile(w, `${dataDir}/signing-key.json`);
          assert.ok(source?.volume.persistentVolumeClaim, `${w.object.metadata.name}: the data dir ${dataDir} is not on a PersistentVolumeClaim`);
          continue;
        }
        const variable = w.role === undefined ? undefined : keyVariable[w.role];
        if (variable === undefined) continue;
        assert.ok(read.has(variable), `${variable} is read by no config loader`);
        const file = w.env[variable];
        assert.ok(file, `${w.object.metadata.name} (${w.role}) does not set ${variable}: each replica would generate its own key`);
        const source = sourceOfFile(w, file);
        assert.ok(source?.volume.secret && source.key, `${w.object.metadata.name}: ${variable}=${file} is not a file of a Secret volume`);
      }
    });

    test('the NetworkPolicies let each role reach what it is configured to call', async () => {
      const objects = await render(overlay);
      if (!objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny')) return;
      for (const w of workloads(objects)) {
        for (const dest of destinations(objects, w)) {
          assert.ok(egressAllowed(objects, w, dest), `${w.object.metadata.name}: no egress to ${dest.namespace ? `namespace ${dest.namespace}` : JSON.stringify(dest.labels)} port ${dest.port} (${dest.what})`);
        }
      }
    });
  });
}
