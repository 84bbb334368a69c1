/**
 * A workflow's steps as a graph: the outline the orchestrator registers
 * (drawn before any run), each step lit by the run's state for its path; a
 * map's per-item step drawn once (`score/*`), its items counted by state.
 */
import { formatDuration, formatNumber, plural } from './format.js';
import type { ConsoleSkillView, WorkflowOutlineStep as OutlineStep } from '../../src/contracts/console/index.js';

/**
 * A workflow skill's outline: the orchestrator registers it with the skill's
 * metadata, and the gateway relays that metadata as the registry holds it.
 */
export function outlineOf(skill: ConsoleSkillView | undefined): readonly OutlineStep[] | undefined {
  const steps = skill?.workflow?.['steps'];
  return Array.isArray(steps) ? (steps as OutlineStep[]) : undefined;
}
import { FINAL, type Run, type StepNode } from './workflow-run.js';

const STATE_CLASS: Record<StepNode['state'], string> = { running: 'task-working', completed: 'task-completed', failed: 'task-failed', skipped: 'task-canceled', canceled: 'task-canceled', 'input-required': 'task-input-required', retrying: 'task-working' };

/** One node of the drawn graph: a step of the outline (its path, `*` for a map's items) or one only a run named. */
interface GraphNode {
  path: string;
  depth: number;
  kind?: string;
  target?: string;
  conditional?: boolean;
  /** Stands for a map's items: `score/*`. */
  pattern?: RegExp;
}

/** The outline's steps in order, depth first, with the paths the run's events use. */
function outlineNodes(steps: readonly OutlineStep[]): GraphNode[] {
  const nodes: GraphNode[] = [];
  const walk = (step: OutlineStep, prefix: string, depth: number) => {
    const path = `${prefix}${step.id}`;
    const target = step.agent ?? (step.skill !== undefined ? `skill ${step.skill}` : undefined);
    nodes.push({ path, depth, kind: step.join !== undefined ? `${step.kind} (${step.join})` : step.kind, ...(target !== undefined && { target }), ...(step.conditional && { conditional: true }), ...(prefix.includes('*') && { pattern: patternOf(path) }) });
    for (const child of step.steps ?? []) walk(child, `${path}/`, depth + 1);
    // A map runs its step once per item (or batch) at `<map>/<index>`: drawn once, as `<map>/*`.
    if (step.step !== undefined) walkItem(step.step, `${path}/*`, depth + 1);
  };
  const walkItem = (step: OutlineStep, path: string, depth: number) => {
    const target = step.agent ?? (step.skill !== undefined ? `skill ${step.skill}` : undefined);
    nodes.push({ path, depth, kind: `${step.kind}, per item`, ...(target !== undefined && { target }), pattern: patternOf(path) });
    for (const child of step.steps ?? []) walk(child, `${path}/`, depth + 1);
    if (step.step !== undefined) walkItem(step.step, `${path}/*`, depth + 1);
  };
  for (const step of steps) walk(step, '', 0);
  return nodes;
}

function patternOf(path: string): RegExp {
  return new RegExp(`^${path.split('/').map((p) => (p === '*' ? '\\d+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
}

/** A map's items in one line: how many are in each state. */
function countStates(nodes: readonly StepNode[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${formatNumber(n)} ${state}`).join(', ');
}

/** The node a step sits in (`batches` for the items of `batches`, `a` for `a/b`), or undefined at the top. */
function parentPath(path: string): string | undefined {
  const parts = path.split('/');
  parts.pop();
  while (parts[parts.length - 1] === '*') parts.pop();
  return parts.length === 0 ? undefined : parts.join('/');
}

/**
 * The state of a step the run reported nothing of: completed when the step
 * holding it completed (the orchestrator does not keep every nested step's
 * or every map item's `step.completed` in the task's history, and a map of
 * 10,000 items reports its progress in counts), unless it only runs when a
 * condition holds; else pending, or "not run" once the run ended.
 */
function inferredState(d: GraphNode, byPath: ReadonlyMap<string, StepNode>, ended: boolean): string {
  for (let at = parentPath(d.path); at !== undefined; at = parentPath(at)) {
    const holder = byPath.get(at);
    if (holder === undefined) continue;
    if (holder.state === 'completed' && d.conditional !== true) return 'completed';
    break;
  }
  return ended ? 'not run' : 'pending';
}

/** A map's items, in the state of the map that holds them once it completed (its events may not all have been seen). */
function itemsState(d: GraphNode, items: readonly StepNode[], byPath: ReadonlyMap<string, StepNode>, ended: boolean): string {
  const holder = byPath.get(parentPath(d.path) ?? '');
  if (holder?.state === 'completed') return 'completed';
  if (items.length === 0) return inferredState(d, byPath, ended);
  return items.some((i) => i.state === 'running' || i.state === 'retrying') ? 'running' : items.some((i) => i.state === 'failed') ? 'failed' : 'completed';
}

export function StepGraph(props: { run: Run; outline?: readonly OutlineStep[] }) {
  const { run } = props;
  const byPath = new Map(run.nodes.map((n) => [n.path, n]));
  const drawn = props.outline === undefined ? [] : outlineNodes(props.outline);
  const known = new Set(drawn.map((d) => d.path));
  // Steps the outline does not name (a run without one, e.g. run-workflow's), in the order they ran.
  const extra = run.nodes.filter((n) => !known.has(n.path) && !drawn.some((d) => d.pattern?.test(n.path)));
  const nodes: GraphNode[] = [...drawn, ...extra.map((n) => ({ path: n.path, depth: n.path.split('/').length - 1 }))];
  const ended = run.state !== undefined && FINAL.has(run.state);
  return (
    <ol class="graph" data-testid="graph" aria-label={run.id === undefined ? 'Steps of the workflow' : 'Steps of the run'}>
      {nodes.map((d) => {
        const items = d.pattern === undefined ? undefined : run.nodes.filter((n) => d.pattern!.test(n.path));
        const n = byPath.get(d.path);
        const state = items !== undefined ? itemsState(d, items, byPath, ended) : (n?.state ?? inferredState(d, byPath, ended));
        const holderMap = items !== undefined ? byPath.get(parentPath(d.path) ?? '')?.map : undefined;
        const kind = n?.kind ?? d.kind;
        const agent = n?.agent ?? d.target;
        return (
          <li key={d.path} data-step={d.path} data-state={state} style={{ '--depth': String(d.depth) } as Record<string, string>}>
            <span class="node-name">{d.path}</span>
            {kind !== undefined && <small> {kind}</small>}
            {agent !== undefined && <small> → {agent}</small>}
            {d.conditional === true && <small> (when …)</small>}
            <span class={`badge ${STATE_CLASS[state as StepNode['state']] ?? ''}`}>{state}</span>
            {items !== undefined && (state === 'completed' && holderMap !== undefined ? <small> {plural(holderMap.items, 'item')}{holderMap.failed > 0 && `, ${formatNumber(holderMap.failed)} failed`}</small> : items.length > 0 && <small> {countStates(items)}</small>)}
            {n?.durationMs !== undefined && <small> {formatDuration(n.durationMs)}{n.cached ? ', from before a restart' : ''}</small>}
            {n?.attempt !== undefined && n.attempt > 1 && <small> attempt {n.attempt}</small>}
            {n?.map !== undefined && (
              <span class="map">
                <progress max={n.map.items} value={n.map.itemsDone} aria-label={`${d.path}: ${n.map.itemsDone} of ${n.map.items} items`} /> {formatNumber(n.map.itemsDone)}/{plural(n.map.items, 'item')}, {formatNumber(n.map.batchesDone)}/{plural(n.map.batches, 'batch', 'batches')}
                {n.map.failed > 0 && `, ${formatNumber(n.map.failed)} failed`}
              </span>
            )}
            {n?.error !== undefined && n.error !== '' && <div class={n.state === 'input-required' ? 'step-note' : 'step-error'}>{n.error}</div>}
          </li>
        );
      })}
    </ol>
  );
}

