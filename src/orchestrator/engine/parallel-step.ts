import { setMaxListeners } from 'node:events';
import { Errors } from '../../protocol/index.js';
import type { ParallelStep, StepResult, TemplateScope } from '../workflow/workflow-definition.js';
import type { StepOptions, StepRunner } from './step-runner.js';
import { failureMessage, StepFailure } from './step-failure.js';

type Settled = { id: string; result?: StepResult; error?: string };

/**
 * Runs branches at once and joins them by policy:
 * - `all`: every branch must complete; the first failure cancels the rest. Output `{ [id]: output }`.
 * - `allSettled`: waits for every branch. Output `{ [id]: { status, output, error? } }`.
 * - `first`: the first branch to complete wins and the rest are canceled. Output: the winner's output.
 * - `quorum`: completes once `quorum` branches completed (the rest canceled), fails once that is out of reach.
 *   Output `{ [id]: { status, output, error? } }`.
 * Branches see the steps before the parallel, not each other.
 */
export async function runParallel(run: StepRunner, step: ParallelStep, scope: TemplateScope, path: string, signal: AbortSignal, options: StepOptions = {}): Promise<unknown> {
  const join = new AbortController();
  const branchSignal = AbortSignal.any([signal, join.signal]);
  setMaxListeners(0, branchSignal);
  const need = step.join === 'all' ? step.steps.length : step.join === 'first' ? 1 : step.join === 'quorum' ? step.quorum! : step.steps.length;
  const settled = new Map<string, Settled>();
  let completed = 0;
  let failed = 0;
  // allSettled never stops early; the others stop once the outcome is decided.
  const decide = () => {
    if (step.join === 'allSettled') return;
    if (completed >= need || failed > step.steps.length - need) join.abort(Errors.workflowParallelDecided({}));
  };
  await Promise.all(
    step.steps.map(async (branch) => {
      try {
        const result = await run.step(branch, { ...scope, steps: { ...scope.steps } }, `${path}/${branch.id}`, branchSignal, options);
        // The parallel's output holds its branches' outputs: a map's are read into their list here.
        settled.set(branch.id, { id: branch.id, result: { ...result, output: await run.settle(result.output) } });
        if (result.status === 'completed') completed++;
      } catch (err) {
        if (signal.aborted) return;
        if (join.signal.aborted && !(err instanceof StepFailure)) {
          settled.set(branch.id, { id: branch.id, result: { status: 'canceled', output: null } });
          return;
        }
        failed++;
        settled.set(branch.id, { id: branch.id, error: failureMessage(err) });
      }
      decide();
    }),
  );
  signal.throwIfAborted();

  const errors = [...settled.values()].filter((s) => s.error !== undefined).map((s) => s.error);
  if (step.join === 'all') {
    if (failed > 0) throw new StepFailure(path, Errors.workflowParallelBranchFailed({ path, errors: errors.join('; ') }));
    return Object.fromEntries(step.steps.map((b) => [b.id, settled.get(b.id)?.result?.output ?? null]));
  }
  if (step.join === 'first') {
    const winner = step.steps.map((b) => settled.get(b.id)).find((s) => s?.result?.status === 'completed');
    if (!winner) throw new StepFailure(path, Errors.workflowParallelNoneCompleted({ path, errors: errors.join('; ') }));
    return winner.result!.output;
  }
  if (step.join === 'quorum' && completed < need) {
    throw new StepFailure(path, Errors.workflowParallelQuorumMissed({ path, completed, branches: step.steps.length, quorum: need, errors: errors.join('; ') }));
  }
  return Object.fromEntries(
    step.steps.map((b) => {
      const s = settled.get(b.id);
      if (s?.error !== undefined) return [b.id, { status: 'failed', output: null, error: s.error }];
      return [b.id, { status: s?.result?.status ?? 'canceled', output: s?.result?.output ?? null }];
    }),
  );
}
