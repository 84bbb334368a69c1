/**
 * `agentmesh secrets rotate`: the step of a secret rotation that touches the
 * database. Every replica already runs with the new secret and the previous
 * one beside it (and so opens either); this re-seals, under the new secret,
 * what only the previous one opens, then says whether the previous can go.
 * Compare-and-set per row: safe beside serving replicas, and when run twice.
 *
 * Against a shared database (a database URL set) the new secret must be
 * given explicitly: the data dir's generated file is a local secret no
 * replica has, and re-sealing under it would lock every replica out. Before
 * re-sealing it names both secrets by fingerprint and what it will change.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { secretFingerprint, type Database, type ResealCount } from '../../../storage/index.js';
import { Errors, errorMessage } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { openDirectDatabase } from '../../config/direct-database.js';
import { ExitCodes, type ExitCode } from '../../io/exit-codes.js';

interface RotateFlags {
  dataDir?: string;
  check?: boolean;
  json?: boolean;
}

/** One secret that can be rotated: its variables, and the file a role keeps it in when the variable is unset. */
interface RotatableSecret {
  name: 'GATEWAY_SECRET' | 'AGENTMESH_SECRET';
  file: string;
  /** The rows it seals, by kind. */
  reseal(database: Database, secret: string, previousSecret: string, dryRun: boolean): Promise<Record<string, ResealCount>>;
}

const SECRETS: readonly RotatableSecret[] = [
  {
    name: 'GATEWAY_SECRET',
    file: 'gateway-secret',
    async reseal(database, secret, previousSecret, dryRun) {
      const { resealGatewaySecrets } = await import('../../../gateway/index.js');
      const result = await resealGatewaySecrets({ database, secret, previousSecret, dryRun });
      return { 'gateway signing keys': result.signingKeys, 'gateway credential pepper': result.credentialPepper };
    },
  },
  {
    name: 'AGENTMESH_SECRET',
    file: 'runtime-secret',
    async reseal(database, secret, previousSecret, dryRun) {
      const { resealPushConfigs } = await import('../../../runtime/index.js');
      return { 'push configs': await resealPushConfigs({ database, secret, previousSecret, dryRun }) };
    },
  },
];

const EXAMPLES = `
Examples:
  $ GATEWAY_SECRET_FILE=/run/secrets/gateway_secret GATEWAY_SECRET_PREVIOUS_FILE=/run/secrets/gateway_secret_previous \\
      DATABASE_URL=postgres://db/mesh agentmesh secrets rotate
  $ agentmesh secrets rotate --check     (exit 1 while anything is still sealed under a previous secret)

For each of GATEWAY_SECRET and AGENTMESH_SECRET whose <NAME>_PREVIOUS (or
<NAME>_PREVIOUS_FILE) is set, re-seals under <NAME> (or <NAME>_FILE) what only
the previous secret opens. With DATABASE_URL or DATABASE_MIGRATION_URL set,
<NAME> must be given; on SQLite an unset <NAME> is the secret file in the data
dir (gateway-secret, runtime-secret), as the roles read it. Before re-sealing
(and with --check) it prints to stderr both secrets' fingerprints and the
counts it will change.
Run it once every replica has both secrets; then remove <NAME>_PREVIOUS and
restart. The steps: docs/operations.md#rotating-gateway_secret-and-agentmesh_secret.

Database: DATABASE_URL=postgres://… if set, else <--data-dir or $AGENTMESH_DATA_DIR or ./.agentmesh>/mesh.db.
`;

/** Builds `secrets rotate`. */
export function secretsRotateCommand(ctx: CliContext): Command {
  const command = new Command('rotate')
    .description('re-seal under GATEWAY_SECRET / AGENTMESH_SECRET what their _PREVIOUS secret sealed; --check only counts')
    .option('--check', 'count what is still sealed under a previous secret, change nothing; exit 1 when anything is')
    .option('--json', 'print the counts as JSON')
    .option('--data-dir <dir>', 'where the SQLite file mesh.db and the secret files live (env AGENTMESH_DATA_DIR; default ./.agentmesh); DATABASE_URL=postgres://… uses PostgreSQL instead')
    .addHelpText('after', EXAMPLES);
  command.action(async (flags: RotateFlags) => {
    ctx.setExitCode(await rotate(ctx, flags));
  });
  return command;
}

async function rotate(ctx: CliContext, flags: RotateFlags): Promise<ExitCode> {
  const env = ctx.io.env;
  const dataDir = flags.dataDir ?? (env['AGENTMESH_DATA_DIR'] || './.agentmesh');
  const sharedDatabase = ['DATABASE_URL', 'DATABASE_MIGRATION_URL'].find((name) => env[name]);
  const rotations: Array<{ secret: RotatableSecret; current: string; previous: string }> = [];
  for (const secret of SECRETS) {
    const previous = env[`${secret.name}_PREVIOUS`];
    if (!previous) continue;
    if (!env[secret.name] && sharedDatabase !== undefined) {
      throw Errors.cliSecretUnsetShared({ secret: secret.name, sharedDatabase });
    }
    const current = env[secret.name] || (await readSecretFile(join(dataDir, secret.file), secret.name));
    if (current === previous) throw Errors.cliSecretUnchanged({ secret: secret.name });
    rotations.push({ secret, current, previous });
  }
  if (rotations.length === 0) {
    throw Errors.cliNothingToRotate({});
  }
  const dryRun = flags.check === true;
  const { database } = await openDirectDatabase(env, flags.dataDir);
  const counts: Record<string, ResealCount> = {};
  try {
    for (const { secret, current, previous } of rotations) {
      // Counted first and said before any row changes: the last look an operator gets at which
      // secret it seals under. `--check` says it too, so a replica's environment can be compared.
      const planned = await secret.reseal(database, current, previous, true);
      const changes = Object.entries(planned).map(([kind, c]) => `${c.underPrevious} ${kind}`).join(', ');
      ctx.io.stderr.write(`${secret.name}: ${dryRun ? 'would re-seal' : 're-sealing'} under ${secretFingerprint(current)} what only ${secretFingerprint(previous)} (${secret.name}_PREVIOUS) opens: ${changes}\n`);
      Object.assign(counts, dryRun ? planned : await secret.reseal(database, current, previous, false));
    }
  } finally {
    await database.close();
  }
  const left = Object.values(counts).reduce((n, c) => n + c.underPrevious - c.resealed, 0);
  const names = rotations.map((r) => `${r.secret.name}_PREVIOUS`).join(' and ');
  if (flags.json === true) ctx.io.stdout.write(`${JSON.stringify({ counts, remaining: left }, null, 2)}\n`);
  else {
    for (const [kind, c] of Object.entries(counts)) {
      ctx.io.stdout.write(`${kind}: ${c.checked} checked, ${c.underCurrent} under the current secret, ${c.underPrevious} under the previous secret${dryRun ? '' : `, ${c.resealed} re-sealed`}\n`);
    }
    ctx.io.stdout.write(left === 0 ? `nothing is sealed under ${names} any more: remove it and restart the replicas\n` : `${left} still sealed under ${names}${dryRun ? ': run `agentmesh secrets rotate`' : ' (changed while read): run again'}\n`);
  }
  return left === 0 ? ExitCodes.OK : ExitCodes.FAILURE;
}

async function readSecretFile(file: string, name: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw Errors.cliSecretFileUnreadable({ secret: name, file, reason: errorMessage(err) }, { cause: err });
  }
}
