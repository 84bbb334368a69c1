/** `agentmesh init <dir>`: writes a new agent project (see init-scaffold.ts for what it holds). */
import { relative } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { ScaffoldRefusal, scaffold, type Scaffold } from './init-scaffold.js';

const EXAMPLES = `
Examples:
  $ agentmesh init my-agent
  $ agentmesh init agents/greeter --name greeter
  $ agentmesh init my-agent --agentmesh ./vendor/agentmesh-0.1.0.tgz
  $ agentmesh init my-agent --agentmesh git+https://github.com/<org>/agentmesh.git

agentmesh is not on the npm registry yet: the project depends on file: the
agentmesh this command runs from, unless --agentmesh names another spec.
`;

interface InitFlags {
  name?: string;
  agentmesh?: string;
  force?: boolean;
}

/** Builds `init`. */
export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description('create a new agent project: a typed skill, its test, a README and a Dockerfile')
    .argument('<dir>', 'the folder to create (must be empty or missing)')
    .option('--name <name>', "the agent's name (default: the folder's name)")
    .option('--agentmesh <spec>', 'npm spec of the agentmesh dependency: a path, a tarball, a git URL or a version (default: file: this agentmesh)')
    .option('--force', 'write into a folder that is not empty, overwriting the files the project has')
    .addHelpText('after', EXAMPLES)
    .action(async (dir: string, flags: InitFlags) => {
      let made: Scaffold;
      try {
        made = scaffold({ dir, name: flags.name, agentmesh: flags.agentmesh, force: flags.force });
      } catch (err) {
        if (!(err instanceof ScaffoldRefusal)) throw err;
        // Loaded on this path only: the wire error table costs more than init itself (CONTRIBUTING.md, "Load what you use").
        const { Errors } = await import('../../../protocol/index.js');
        throw Errors.usageRefused({ reason: err.message });
      }
      const out = ctx.io.stdout;
      out.write(`Created agent ${made.name} in ${made.dir}:\n`);
      for (const file of made.files) out.write(`  ${file}\n`);
      for (const note of made.notes) ctx.io.stderr.write(`note: ${note}\n`);
      // The path as the user would type it from here: relative below the current folder, else absolute.
      const below = relative(process.cwd(), made.dir);
      const cd = below === '' ? '.' : below.startsWith('..') ? made.dir : below;
      out.write(`\nNext:\n  cd ${cd}\n  npm install\n  npm test       # compiles, then runs test/agent.test.ts with the test kit\n  npm start      # serves it on http://localhost:4000 (the next free port when 4000 is taken, as by agentmesh up)\n`);
      ctx.setExitCode(ExitCodes.OK);
    });
}
