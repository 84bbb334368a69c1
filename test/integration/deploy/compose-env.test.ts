/**
 * deploy/compose/compose.yaml tied to the code (what the Compose schema
 * cannot see): every variable an agentmesh service sets is one the code
 * reads, every role has what it needs to run replicated set, each
 * healthcheck asks a path the role serves on the port it listens on, and
 * replicas of a role share one signing key through a secret.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { missingRequired, probePathsInCode, probeTargets, roleOf, variablesReadByCode, type Role } from '../../helpers/deploy-env.js';

const composeFile = join(import.meta.dirname, '..', '..', '..', 'deploy', 'compose', 'compose.yaml');
type Service = { image?: string; command?: string[]; environment?: Record<string, string>; secrets?: (string | { source: string })[]; healthcheck?: { test?: string[] } };
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };
const agentmeshServices = Object.entries(compose.services).filter(([, service]) => service.image?.includes('AGENTMESH_IMAGE'));
const roles = agentmeshServices.flatMap(([name, service]) => {
  const role = roleOf(service.command);
  return role === undefined ? [] : [{ name, role, env: service.environment ?? {}, service }];
});

describe('deploy/compose/compose.yaml against the code', () => {
  test('runs every role', () => {
    assert.deepEqual(new Set(roles.map((r) => r.role)), new Set<Role>(['gateway', 'registry', 'agents', 'orchestrator']));
  });

  test('every variable an agentmesh service sets is read by the code', () => {
    const read = variablesReadByCode();
    for (const [name, service] of agentmeshServices) {
      for (const variable of Object.keys(service.environment ?? {})) assert.ok(read.has(variable), `${name} sets ${variable}, which no config loader reads`);
    }
  });

  test('every role has what it needs to run replicated set', () => {
    for (const { name, role, env } of roles) assert.deepEqual(missingRequired(role, new Set(Object.keys(env))), [], `${name} (${role})`);
  });

  test('each healthcheck asks a probe path the role serves, on the port it listens on', () => {
    const served = probePathsInCode();
    for (const { name, role, env, service } of roles) {
      const script = (service.healthcheck?.test ?? []).join(' ');
      const url = /https?:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(script);
      assert.ok(url, `${name} has no healthcheck asking a local URL: ${script}`);
      const { ports, paths } = probeTargets(role, env);
      assert.ok(ports.has(Number(url[1])), `${name} probes port ${url[1]}, but ${role} listens on ${[...ports].join(', ')}`);
      assert.ok(paths.has(url[2]!) && served.has(url[2]!), `${name} probes ${url[2]}, which ${role} does not serve`);
    }
  });

  test('replicas of a role share one signing key, from a secret file', () => {
    const keyOf: Partial<Record<Role, string>> = { gateway: 'GATEWAY_CARD_SIGNING_KEY_FILE', agents: 'AGENTMESH_SIGNING_KEY_FILE', orchestrator: 'AGENTMESH_SIGNING_KEY_FILE' };
    for (const role of ['gateway', 'agents', 'orchestrator'] as const) {
      const files = new Set(roles.filter((r) => r.role === role).map((r) => r.env[keyOf[role]!]));
      assert.equal(files.size, 1, `${role}: one key file for every replica, got ${[...files].join(', ')}`);
      const file = [...files][0]!;
      const secret = /^\/run\/secrets\/(\w+)$/.exec(file ?? '')?.[1];
      assert.ok(secret !== undefined && compose.secrets[secret] !== undefined, `${role}: ${keyOf[role]} is ${file}, not a Compose secret`);
      for (const r of roles.filter((x) => x.role === role)) {
        assert.ok((r.service.secrets ?? []).some((s) => (typeof s === 'string' ? s : s.source) === secret), `${r.name} does not mount the secret ${secret}`);
      }
    }
  });
});
