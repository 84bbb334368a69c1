import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

/*
 * deploy/compose/compose.yaml against the Compose
 * Specification's JSON Schema (vendored with its provenance in
 * test/fixtures/compose-spec/), plus what the schema cannot say: secrets come
 * from files, every file the project names exists, the services the issue
 * asks for are there.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const composeDir = join(root, 'deploy', 'compose');
const composeFile = join(composeDir, 'compose.yaml');
// merge: the file shares settings through YAML anchors and `<<` merge keys, as Compose reads them.
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Record<string, any>;
const services = compose['services'] as Record<string, Record<string, any>>;

/** A Compose environment as a map, whichever of its two forms (map or KEY=VALUE list) a service uses. */
function environment(service: Record<string, any>): Record<string, string> {
  const env = service['environment'] ?? {};
  if (!Array.isArray(env)) return env as Record<string, string>;
  return Object.fromEntries((env as string[]).map((line) => [line.split('=')[0]!, line.split('=').slice(1).join('=')]));
}

/**
 * The vendored schema, compiled. It is draft 2019-09, named by its old
 * http:// meta-schema URL (Ajv knows the https:// one), with draft-04 style
 * `id`s, and formats Compose tools check themselves.
 */
function composeValidator(options: { allErrors?: boolean }) {
  // Draft-04 `id`s name where each part sits ("#/definitions/service"), which `$ref` paths say already: dropped.
  const { $schema: _metaSchema, ...schema } = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'compose-spec', 'compose-spec.json'), 'utf8'), (key, value: unknown) =>
    key === 'id' && typeof value === 'string' && (value.startsWith('#/') || value === 'compose_spec.json') ? undefined : value,
  ) as Record<string, unknown>;
  const ajv = new Ajv2019({ strict: false, ...options });
  for (const format of ['duration', 'expose', 'ports']) ajv.addFormat(format, true);
  return ajv.compile(schema);
}

describe('deploy/compose/compose.yaml', () => {
  test('validates against the Compose Specification JSON Schema', () => {
    const validate = composeValidator({ allErrors: true });
    const valid = validate(compose);
    assert.ok(valid, `compose.yaml does not validate:\n${JSON.stringify(validate.errors, null, 2)}`);
  });

  test('the schema check can fail: an unknown key is refused', () => {
    const validate = composeValidator({});
    assert.equal(validate({ services: { gateway: { image: 'agentmesh', replicas: 2 } } }), false);
  });

  test('runs every part the issue names: PostgreSQL, Redis, each role (two gateways, two agent replicas), Prometheus, Grafana, a collector and Jaeger', () => {
    for (const name of ['postgres', 'redis', 'registry', 'gateway', 'orchestrator', 'prometheus', 'grafana', 'otel-collector', 'jaeger']) assert.ok(services[name], `service ${name}`);
    assert.equal(services['gateway']!['deploy']?.replicas, 2);
    const agentReplicas = Object.values(services).filter((s) => JSON.stringify(s['command']) === JSON.stringify(['serve', 'agents']));
    assert.equal(agentReplicas.length, 2, 'two agent replicas, each with its own instance URL');
    assert.equal(new Set(agentReplicas.map((s) => environment(s)['PUBLIC_URL'])).size, 2);
    for (const [name, service] of Object.entries(services)) {
      if (service['image']?.startsWith('${AGENTMESH_IMAGE')) {
        assert.equal(service['read_only'], true, `${name}: read-only root filesystem`);
        assert.deepEqual(service['cap_drop'], ['ALL'], `${name}: no capabilities`);
      }
    }
  });

  test('holds no secret inline: every secret comes from a file, through <NAME>_FILE or the image\'s own __FILE / _FILE convention', () => {
    const secretish = /(SECRET|TOKEN|PASSWORD|SIGNING_KEY|DATABASE_URL)$/;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environment(service))) {
        if (secretish.test(key)) assert.fail(`${name}: ${key} is set inline (${String(value).slice(0, 4)}…); pass ${key}_FILE and a Compose secret`);
        if (/_+FILE$/.test(key)) assert.match(String(value), /^\/run\/(secrets|orchestrator-client)\//, `${name}: ${key} points at a mounted secret`);
      }
      // A URL with a password in it is a secret too.
      assert.doesNotMatch(JSON.stringify(service), /:\/\/[^/@\s"]+:[^/@\s"]+@/, `${name}: a URL with credentials`);
    }
    for (const [name, secret] of Object.entries(compose['secrets'] as Record<string, any>)) {
      assert.ok(secret.file && !secret.environment && !secret.content, `secret ${name} is read from a file`);
    }
    assert.match(readFileSync(join(composeDir, '.gitignore'), 'utf8'), /^secrets\/$/m, 'the secrets folder is never committed');
  });

  test('every service uses only secrets the file declares, and every config file it names is in the repository', () => {
    const declared = new Set(Object.keys(compose['secrets']));
    for (const [name, service] of Object.entries(services)) {
      for (const secret of service['secrets'] ?? []) assert.ok(declared.has(typeof secret === 'string' ? secret : secret.source), `${name} uses secret ${JSON.stringify(secret)}`);
    }
    for (const [name, config] of Object.entries(compose['configs'] as Record<string, { file: string }>)) {
      assert.ok(existsSync(join(composeDir, config.file)), `config ${name}: ${config.file}`);
    }
    assert.equal(compose['configs']['prometheus-rules'].file, '../prometheus/rules.yml');
    assert.ok(services['grafana']!['volumes'].some((v: string) => v.startsWith('../grafana/dashboards:')), 'Grafana mounts deploy/grafana/dashboards');
    assert.ok(existsSync(join(dirname(composeFile), 'make-secrets.sh')));
  });
});
