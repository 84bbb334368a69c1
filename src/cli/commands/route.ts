/**
 * `agentmesh route [--explain] "<text>"`: where the orchestrator's router
 * would send a request, and why (docs/orchestrator.md#routing), decided against the live
 * registry with the router's own ranking. Nothing is sent.
 */
import { Command } from 'commander';
import type { RouteDecision } from '../../orchestrator/index.js';
import type { CliContext } from '../io/cli-io.js';
import { ExitCodes } from '../io/exit-codes.js';
import { chooseRoleUrl, explainUnreachable, roleUrlDefaultHelp } from '../role-apis/role-url-choice.js';
import { addRoleTimeoutOption, DEFAULT_ROLE_TIMEOUT_MS, type RoleCommandFlags } from '../client/role-command.js';

interface RouteFlags extends RoleCommandFlags {
  explain?: boolean;
  tenant?: string;
  workflows?: string;
  registry?: string;
  token?: string;
}

const EXAMPLES = `
Examples:
  $ agentmesh route "score leads similar to my best customers"
  $ agentmesh route --explain "how much would 20 seats cost per year?"
  $ agentmesh route --explain --workflows workflows "enrich and score all leads, then launch a campaign to the top 10"
  $ agentmesh route --json "book me a flight"

Exit codes: 0 routed (or the router would ask which candidate is meant), 1 no agent for this.
`;

/** Builds `route`. */
export function routeCommand(ctx: CliContext): Command {
  const command = new Command('route')
    .description("show where the router would send a request and why (nothing is sent)")
    .argument('<text>', 'the request, in your words')
    .option('--explain', 'print every candidate with its score, coverage and the cues that decided')
    .option('--tenant <id>', "the tenant whose confirmed routes count (default: 'default')")
    .option('--workflows <dir>', "also rank this folder's workflows, as an orchestrator offering them does")
    .option('--registry <url>', `registry base URL (${roleUrlDefaultHelp('registry')})`)
    .option('--token <bearer>', 'bearer token for the registry reads (default: $REGISTRY_TOKEN)')
    .option('--json', 'print the decision and its explanation as JSON');
  addRoleTimeoutOption(command).addHelpText('after', EXAMPLES);

  command.action(async (text: string, flags: RouteFlags) => {
    // Loaded here, not at the top: only a `route` run pays for the router (CONTRIBUTING.md, "Load what you use").
    const { decideRoute, RegistryReader, routableWorkflow, loadWorkflowFolder } = await import('../../orchestrator/index.js');
    const where = chooseRoleUrl('registry', flags.registry, ctx.io.env);
    const timeoutMs = flags.timeout ?? DEFAULT_ROLE_TIMEOUT_MS;
    const registry = new RegistryReader({ url: where.url, token: flags.token ?? ctx.io.env.REGISTRY_TOKEN, timeoutMs, cacheTtlMs: 0, ...(ctx.io.fetchImpl && { fetch: ctx.io.fetchImpl }) });
    const workflows = flags.workflows === undefined ? [] : (await loadWorkflowFolder(flags.workflows)).workflows.map(routableWorkflow);
    // 'orchestrator' is the router's default name: it is never its own candidate.
    const decision = await decideRoute({ registry, self: 'orchestrator', text, tenant: flags.tenant ?? 'default', workflows }).catch((err: unknown) => {
      throw explainUnreachable(err, where, ctx.io.env);
    });
    if (flags.json === true) {
      const { explain } = decision;
      const summary =
        decision.kind === 'route' ? { agent: decision.target.agent, skill: decision.target.skill } : decision.kind === 'workflow' ? { workflow: decision.workflow } : decision.kind === 'ask' ? { question: decision.question } : { error: decision.error.message };
      ctx.io.stdout.write(`${JSON.stringify({ decision: decision.kind, ...summary, explain }, null, 2)}\n`);
    } else {
      ctx.io.stdout.write(formatDecision(decision, flags.explain === true));
    }
    ctx.setExitCode(decision.kind === 'none' ? ExitCodes.FAILURE : ExitCodes.OK);
  });
  return command;
}

type Decision = RouteDecision;

/** The decision in lines; with `explain`, the candidates table and the cues. */
export function formatDecision(decision: Decision, explain: boolean): string {
  const lines: string[] = [];
  switch (decision.kind) {
    case 'route':
      lines.push(`route to ${decision.target.agent}${decision.target.skill ? ` (${decision.target.skill})` : ''}: ${decision.target.reason}`);
      break;
    case 'workflow':
      lines.push(`start workflow ${decision.workflow}: ${decision.explain.rule}`);
      break;
    case 'ask':
      lines.push(`ask: ${decision.explain.rule}`, ...decision.question.split('\n').map((l) => `  ${l}`));
      break;
    case 'none':
      lines.push(decision.error.message);
      break;
  }
  if (explain) {
    const e = decision.explain;
    lines.push('', `decision: ${e.decision}${e.chosen ? ` → ${e.chosen}` : ''}`, `rule: ${e.rule}`, `intent cues in the request: ${e.cues.length > 0 ? e.cues.join(', ') : '-'}`);
    if (e.candidates.length > 0) {
      lines.push('', 'candidate                       score   raw  coverage  what counted');
      for (const c of e.candidates) {
        lines.push(`${c.id.padEnd(30)} ${String(c.score).padStart(6)} ${c.raw.toFixed(1).padStart(5)} ${`${Math.round(c.coverage * 100)}%`.padStart(9)}  ${c.cues.join(', ') || '-'}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
