/** `agentmesh secrets …`: the secrets agentmesh seals data at rest with (docs/security.md#secrets-at-rest). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { secretsRotateCommand } from './secrets-rotate.js';

/** Builds the `secrets` group: rotate. */
export function secretsCommand(ctx: CliContext): Command {
  return new Command('secrets')
    .description('finish a rotation of GATEWAY_SECRET or AGENTMESH_SECRET: re-seal what the previous one sealed (reads the database directly)')
    .addCommand(secretsRotateCommand(ctx));
}
