// test-tier: tools (needs kubectl)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';

/*
 * Each overlay of deploy/kubernetes rendered with the real
 * `kubectl kustomize`, every object validated against the Kubernetes OpenAPI
 * schemas of the `kubernetes-models` package (and its prometheus-operator
 * and cert-manager companions for the custom resources), then the policy
 * every workload must meet: probes, limits, non-root, read-only root
 * filesystem, no privilege escalation, all capabilities dropped, and a
 * default-deny NetworkPolicy.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any };

async function render(overlay: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', join(root, 'deploy', 'kubernetes', overlay)], { maxBuffer: 16 << 20 }).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
    if (err.code === 'ENOENT') assert.fail('kubectl is not installed: apt-get install kubectl (or see https://kubernetes.io/docs/tasks/tools/)');
    assert.fail(`kubectl kustomize ${overlay} failed: ${err.stderr ?? err.message}`);
  });
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as K8sObject).filter(Boolean);
}

/** The model class of an object's kind, from the package that holds its schema. */
async function modelOf(object: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const pkg = group === 'monitoring.coreos.com' ? '@kubernetes-models/prometheus-operator' : group === 'cert-manager.io' ? '@kubernetes-models/cert-manager' : 'kubernetes-models';
  const path = `${pkg}/${group ? `${group}/` : ''}${version}/${object.kind}`;
  try {
    const module = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
    return module[object.kind]!;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      assert.fail(`${path} not found: the schemas come from the dev dependencies kubernetes-models@5.1.0, @kubernetes-models/prometheus-operator@6.0.0 and @kubernetes-models/cert-manager@6.0.0 (npm install)`);
    }
    throw err;
  }
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

for (const overlay of ['single', 'production', 'production/migrate', 'production-mtls']) {
  describe(`deploy/kubernetes/${overlay}`, () => {
    test('renders, and every object validates against its Kubernetes schema', async () => {
      const objects = await render(overlay);
      assert.ok(objects.length > 0);
      for (const object of objects) {
        const Model = await modelOf(object);
        assert.doesNotThrow(() => new Model(object).validate(), `${object.kind}/${object.metadata.name} does not validate`);
        assert.equal(object.metadata.namespace ?? 'agentmesh', 'agentmesh', `${object.kind}/${object.metadata.name} lands in the agentmesh namespace`);
      }
    });

    test('every container has liveness and readiness probes, requests and limits, and the restricted security context', async () => {
      const workloads = (await render(overlay)).filter((o) => workloadKinds.has(o.kind));
      assert.ok(workloads.length > 0, 'the overlay runs something');
      for (const workload of workloads) {
        const pod = workload.spec.template.spec;
        const where = `${workload.kind}/${workload.metadata.name}`;
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
        assert.equal(pod.automountServiceAccountToken, false, `${where}: no API token`);
        for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
          const at = `${where} container ${container.name}`;
          if (container.name === 'pgbouncer') {
            // PgBouncer speaks no HTTP: its port answers, and pg_isready through it.
            assert.ok(container.livenessProbe?.tcpSocket, `${at}: liveness probe on its port`);
            assert.deepEqual(container.readinessProbe?.exec?.command?.slice(0, 1), ['pg_isready'], `${at}: readiness probe by pg_isready`);
          } else if (workload.kind !== 'Job') {
            assert.ok(container.livenessProbe?.httpGet?.path === '/health', `${at}: liveness probe on /health`);
            assert.ok(container.readinessProbe?.httpGet?.path === '/ready', `${at}: readiness probe on /ready`);
          }
          for (const kind of ['requests', 'limits']) for (const resource of ['cpu', 'memory']) assert.ok(container.resources?.[kind]?.[resource], `${at}: resources.${kind}.${resource}`);
          const security = container.securityContext ?? {};
          assert.equal(security.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation false`);
          assert.equal(security.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
          assert.equal(security.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, true, `${at}: runAsNonRoot`);
          assert.deepEqual(security.capabilities?.drop, ['ALL'], `${at}: drops ALL capabilities`);
          assert.equal(security.privileged ?? false, false, `${at}: not privileged`);
          // No secret value in the manifest: secrets come from the agentmesh-secrets Secret, as files.
          for (const env of container.env ?? []) assert.doesNotMatch(`${env.name}`, /(SECRET|TOKEN|PASSWORD|SIGNING_KEY|DATABASE_URL|REDIS_URL)$/, `${at}: ${env.name} set inline; use ${env.name}_FILE`);
        }
      }
    });

    // production/migrate is applied into production's namespace and shares its default-deny.
    if (overlay !== 'production/migrate') {
      test('denies all traffic by default, and lets only the gateway take ingress from outside the mesh', async () => {
        const objects = await render(overlay);
        const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
        const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes('Ingress') && p.spec.policyTypes.includes('Egress') && !p.spec.ingress && !p.spec.egress);
        assert.ok(deny, 'a NetworkPolicy selecting every pod with no ingress and no egress rule');
        for (const policy of policies) {
          for (const rule of policy.spec.ingress ?? []) {
            // A rule without `from` admits anyone: only on the gateway's public port.
            if (rule.from === undefined) assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 4200 }], `${policy.metadata.name}: open ingress only to the gateway port`);
          }
        }
      });
    }
  });
}

describe('deploy/kubernetes/production', () => {
  test('scales the gateway and the agents on CPU and on work in flight, and keeps every role available through disruptions', async () => {
    const objects = await render('production');
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    for (const role of ['gateway', 'agents']) {
      const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === `agentmesh-${role}`);
      assert.ok(hpa, `an HPA for ${role}`);
      assert.deepEqual(hpa.spec.metrics.map((m: { type: string }) => m.type).sort(), ['Pods', 'Resource']);
    }
    const workloads = objects.filter((o) => workloadKinds.has(o.kind) && o.kind !== 'Job');
    assert.deepEqual(workloads.map((w) => w.metadata.name).sort(), ['agentmesh-agents', 'agentmesh-gateway', 'agentmesh-orchestrator', 'agentmesh-pgbouncer', 'agentmesh-registry']);
    for (const workload of workloads) {
      const labels = workload.spec.selector.matchLabels;
      assert.ok(
        objects.some((o) => o.kind === 'PodDisruptionBudget' && JSON.stringify(o.spec.selector.matchLabels) === JSON.stringify(labels)),
        `a PodDisruptionBudget for ${workload.metadata.name}`,
      );
      assert.ok(workload.spec.template.spec.topologySpreadConstraints?.some((c: { topologyKey: string }) => c.topologyKey === 'kubernetes.io/hostname'), `${workload.metadata.name} spreads over nodes`);
      const ref = workload.spec.template.spec.volumes.find((v: { secret?: unknown }) => v.secret)?.secret;
      const example = parse(readFileSync(join(root, 'deploy', 'kubernetes', 'secrets.example.yaml'), 'utf8')) as { stringData: Record<string, string> };
      for (const item of ref.items) assert.ok(item.key in example.stringData, `${workload.metadata.name} mounts ${item.key}, which secrets.example.yaml documents`);
      assert.ok(Object.values(example.stringData).every((v) => v === 'REPLACE_ME'), 'secrets.example.yaml holds placeholders only');
    }
    assert.ok(objects.some((o) => o.kind === 'ServiceMonitor'), 'a ServiceMonitor');
    // The PrometheusRule is generated from deploy/prometheus/rules.yml (deploy/kubernetes/prometheus-rule.mjs): it must not drift.
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as { spec?: { groups?: unknown } } | undefined;
    assert.ok(rule, 'a PrometheusRule');
    assert.deepEqual(rule.spec?.groups, (parse(readFileSync(join(root, 'deploy/prometheus/rules.yml'), 'utf8')) as { groups: unknown }).groups, 'prometheus-rule.yaml is stale: run node deploy/kubernetes/prometheus-rule.mjs');
    assert.ok(objects.some((o) => o.kind === 'Certificate'), 'a cert-manager Certificate');
  });

  test('migrates in a Job before the rollout: the only workload given the migrator credential, on the same image', async () => {
    const [app, migrate] = await Promise.all([render('production'), render('production/migrate')]);
    const job = migrate.find((o) => o.kind === 'Job');
    assert.ok(job, 'production/migrate holds a Job');
    const pod = job.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Never');
    assert.deepEqual(pod.containers.map((c: { args: string[] }) => c.args), [['migrate']]);
    const example = parse(readFileSync(join(root, 'deploy', 'kubernetes', 'secrets.example.yaml'), 'utf8')) as { stringData: Record<string, string> };
    const items = pod.volumes.find((v: { secret?: unknown }) => v.secret).secret.items.map((i: { key: string }) => i.key);
    assert.deepEqual(items, ['database_migration_url']);
    assert.ok('database_migration_url' in example.stringData);
    assert.ok(pod.containers[0].env.some((e: { name: string; value: string }) => e.name === 'DATABASE_MIGRATION_URL_FILE' && e.value === '/run/secrets/agentmesh/database_migration_url'));
    // Least privilege: the serving roles never hold the credential that may change the schema.
    for (const workload of app.filter((o) => workloadKinds.has(o.kind))) {
      const text = JSON.stringify(workload.spec.template.spec);
      assert.doesNotMatch(text, /database_migration_url|DATABASE_MIGRATION_URL/, `${workload.metadata.name} holds no migrator credential`);
    }
    // One image for the Job and the roles it migrates for.
    // (PgBouncer, in front of PostgreSQL, is not an agentmesh role.)
    const images = (objects: K8sObject[]) =>
      new Set(objects.filter((o) => workloadKinds.has(o.kind) && o.metadata.name !== 'agentmesh-pgbouncer').flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image)));
    assert.deepEqual([...images(migrate)], [...images(app)]);
    assert.equal(images(app).size, 1);
    // Its pod reaches PostgreSQL through its own policy (production's default-deny covers the namespace).
    const policy = migrate.find((o) => o.kind === 'NetworkPolicy');
    assert.deepEqual(policy?.spec.podSelector.matchLabels, { 'app.kubernetes.io/component': 'migrate' });
    assert.equal(job.spec.template.metadata.labels['app.kubernetes.io/component'], 'migrate');
    assert.ok(policy.spec.egress.some((rule: { ports: Array<{ port: number }> }) => rule.ports.some((p) => p.port === 5432)), 'egress to PostgreSQL');
  });
});

/** Whether a certificate's DNS name covers a host name (one leading `*.` label, RFC 6125 §6.4.3). */
function covers(dnsName: string, host: string): boolean {
  if (!dnsName.startsWith('*.')) return dnsName === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === dnsName.slice(2);
}

describe('deploy/kubernetes/production-mtls (production with the mesh-tls Component)', () => {
  type Env = { name: string; value?: string };
  const roles = ['registry', 'gateway', 'agents', 'orchestrator'];

  test('every role serves its own certificate, presents a client certificate, and calls the others over https:// by names its certificate carries', async () => {
    const objects = await render('production-mtls');
    const certificates = objects.filter((o) => o.kind === 'Certificate');
    const issuers = new Set(objects.filter((o) => o.kind === 'Issuer').map((o) => o.metadata.name));
    for (const certificate of certificates) {
      assert.ok(issuers.has(certificate.spec.issuerRef.name) || certificate.spec.issuerRef.kind === 'ClusterIssuer', `${certificate.metadata.name}: its issuer ${certificate.spec.issuerRef.name} is in the overlay`);
    }
    const bySecret = new Map(certificates.map((c) => [c.spec.secretName as string, c]));
    const served = new Map<string, string[]>();
    for (const role of roles) {
      const workload = objects.find((o) => workloadKinds.has(o.kind) && o.metadata.name === `agentmesh-${role}`)!;
      const pod = workload.spec.template.spec;
      const container = pod.containers[0];
      const env = new Map((container.env as Env[]).map((e) => [e.name, e.value]));
      const mounts = container.volumeMounts as Array<{ name: string; mountPath: string }>;
      // Each TLS file is in a mounted Secret that a Certificate of the right use fills.
      const certificateOf = (variable: string): K8sObject => {
        const file = env.get(variable);
        assert.ok(file, `${role}: ${variable} is set`);
        const mount = mounts.find((m) => file.startsWith(`${m.mountPath}/`));
        assert.ok(mount, `${role}: ${variable}=${file} is in a mounted volume`);
        const secretName = pod.volumes.find((v: { name: string }) => v.name === mount.name)?.secret?.secretName as string;
        const certificate = bySecret.get(secretName);
        assert.ok(certificate, `${role}: ${variable} comes from the Secret of a Certificate (${secretName})`);
        return certificate;
      };
      const serving = certificateOf('TLS_CERT_FILE');
      assert.equal(certificateOf('TLS_KEY_FILE'), serving);
      assert.equal(certificateOf('TLS_CA_FILE'), serving, `${role}: the CA that signed the mesh, from the same Secret`);
      assert.ok(serving.spec.usages.includes('server auth'), `${role}: serving certificate for server auth`);
      const client = certificateOf('TLS_CLIENT_CERT_FILE');
      assert.equal(certificateOf('TLS_CLIENT_KEY_FILE'), client);
      assert.notEqual(client, serving, `${role}: a client certificate of its own`);
      assert.deepEqual(client.spec.usages, ['client auth'], `${role}: client certificate for client auth only`);
      assert.equal(env.get('TLS_CLIENT_AUTH'), role === 'gateway' ? 'request' : 'require', `${role}: TLS_CLIENT_AUTH`);
      served.set(role, serving.spec.dnsNames);
    }
    // Every URL of one role to another is https://, to a name the callee's certificate covers.
    const roleOfHost = (host: string) => roles.find((r) => host === `agentmesh-${r}` || host.includes(`.agentmesh-${r}.`) || host.startsWith(`agentmesh-${r}.`));
    let urls = 0;
    for (const role of roles) {
      const container = objects.find((o) => workloadKinds.has(o.kind) && o.metadata.name === `agentmesh-${role}`)!.spec.template.spec.containers[0];
      for (const { name, value } of container.env as Env[]) {
        if (value === undefined || !/^https?:\/\//.test(value)) continue;
        const host = new URL(value.replaceAll('$(POD_NAME)', 'agentmesh-x-0').replaceAll('$(POD_NAMESPACE)', 'agentmesh')).hostname;
        const callee = roleOfHost(host);
        if (callee === undefined) continue; // outside the mesh (the OTLP collector, the public issuer)
        urls++;
        assert.match(value, /^https:\/\//, `${role}: ${name} is https://`);
        assert.ok(served.get(callee)!.some((d) => covers(d, host)), `${role}: ${name} names ${host}, which agentmesh-${callee}-tls covers (${served.get(callee)!.join(', ')})`);
      }
    }
    assert.ok(urls >= 8, `the internal URLs were found (${urls})`);
  });

  test('the kubelet probes a plain HTTP probe port (it has no client certificate), Prometheus scrapes with one, and the Ingress speaks HTTPS to the gateway', async () => {
    const objects = await render('production-mtls');
    for (const workload of objects.filter((o) => workloadKinds.has(o.kind) && o.kind !== 'Job' && o.metadata.name !== 'agentmesh-pgbouncer')) {
      const container = workload.spec.template.spec.containers[0];
      const probePort = (container.env as Env[]).find((e) => e.name === 'PROBE_PORT')?.value;
      assert.ok(probePort, `${workload.metadata.name}: PROBE_PORT is set`);
      assert.equal((container.env as Env[]).find((e) => e.name === 'PROBE_HOST')?.value, '0.0.0.0', `${workload.metadata.name}: the probe port answers the kubelet`);
      const port = container.ports.find((p: { name: string }) => p.name === 'probes');
      assert.equal(String(port?.containerPort), probePort, `${workload.metadata.name}: the probes port is PROBE_PORT`);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        assert.equal(container[probe].httpGet.port, 'probes', `${workload.metadata.name}: ${probe} on the probe port`);
        assert.equal(container[probe].httpGet.scheme, 'HTTP', `${workload.metadata.name}: ${probe} in plain HTTP`);
      }
    }
    const secrets = new Set(objects.filter((o) => o.kind === 'Certificate').map((c) => c.spec.secretName as string));
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    const services = objects.filter((o) => o.kind === 'Service' && o.metadata.labels?.['agentmesh.dev/metrics'] === 'true');
    for (const service of services) {
      const labels = service.metadata.labels!;
      const matching = monitors.filter((m) => Object.entries(m.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v));
      assert.equal(matching.length, 1, `${service.metadata.name}: scraped by one ServiceMonitor (${matching.map((m) => m.metadata.name).join(', ')})`);
      const endpoint = matching[0]!.spec.endpoints[0];
      if (service.metadata.name === 'agentmesh-gateway-metrics') {
        assert.equal(endpoint.scheme ?? 'http', 'http', 'the gateway metrics listener stays plain HTTP');
        continue;
      }
      assert.equal(endpoint.scheme, 'https', `${service.metadata.name}: scraped over TLS`);
      const tls = endpoint.tlsConfig;
      for (const secret of [tls.ca.secret.name, tls.cert.secret.name, tls.keySecret.name]) assert.ok(secrets.has(secret), `${service.metadata.name}: ${secret} is a Certificate's Secret`);
      assert.equal(tls.serverName, `${service.metadata.name}.agentmesh.svc.cluster.local`);
      assert.notEqual(tls.insecureSkipVerify, true);
    }
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/backend-protocol'], 'HTTPS');
  });
});
