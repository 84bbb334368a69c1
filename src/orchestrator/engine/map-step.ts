import { setMaxListeners } from 'node:events';
import { Errors } from '../../protocol/index.js';
import type { MapStep, StepResult, TemplateScope } from '../workflow/workflow-definition.js';
import type { StepRunner } from './step-runner.js';
import { failureMessage, StepFailure } from './step-failure.js';
import { PagedOutputs, UnitOutputs } from './step-outputs.js';

/** Units whose records a resumed map reads at once. */
const FINISHED_PAGE = 500;

/** A map's items: an array (its `over` rendered), or an earlier map's outputs read a page at a time. */
type MapItems = readonly unknown[] | PagedOutputs;

/**
 * Runs the inner step once per item (or per batch of `batchSize` items),
 * `concurrency` at a time. Unit `i` is the step at `<path>/<i>`, so a
 * restarted run skips the units it finished and re-attaches to those in
 * flight. `over` is the map's `over` rendered: a list, or an earlier map's
 * outputs ({@link PagedOutputs}), sliced as units are taken. Output: the
 * units' outputs in order (`null` for failed ones under
 * `continue`/`threshold`), as a {@link UnitOutputs}: each unit's output is
 * in its own record, and the list is read from them when something needs it,
 * never held while the map runs nor written as one row.
 */
export async function runMap(run: StepRunner, step: MapStep, over: unknown, scope: TemplateScope, path: string, signal: AbortSignal): Promise<UnitOutputs> {
  if (!Array.isArray(over) && !(over instanceof PagedOutputs)) throw new StepFailure(path, Errors.workflowMapOverNotAList({ path, over: step.over, what: over === undefined || over === null ? 'empty' : `a ${typeof over}` }));
  const list: MapItems = over;
  const batched = step.mode === 'batch';
  const size = batched ? Math.max(1, step.batchSize) : 1;
  // Units are cut as workers take them: a 100,000-item map holds its list once (or a page of it), not a second time in slices.
  const unitCount = Math.ceil(list.length / size);

  const stop = new AbortController();
  const unitSignal = AbortSignal.any([signal, stop.signal]);
  // Every unit in flight listens on it (a concurrency above ten is ordinary).
  setMaxListeners(0, unitSignal);
  // A count and the first failure (by unit): a map of 100,000 failing units keeps one message, not each.
  let failed = 0;
  let firstFailure: { index: number; error: string } | undefined;
  const started = run.deps.now();
  let next = 0;
  let done = 0;
  let itemsDone = 0;
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = run.deps.now();
    if (!force && now - lastReport < (run.deps.progressIntervalMs ?? 250)) return;
    lastReport = now;
    const seconds = Math.max(0.001, (now - started) / 1000);
    const rate = Math.round((itemsDone / seconds) * 10) / 10;
    run.emit(
      { type: 'map.progress', runId: run.host.runId, path, batchesDone: done, batches: unitCount, itemsDone, items: list.length, failed, rate },
      `${path}: ${done}/${unitCount} ${batched ? 'batches' : 'items'} done${failed ? `, ${failed} failed` : ''} (${rate} items/s)`,
    );
  };
  const tooMany = () => (step.onFailure.mode === 'fail' ? failed > 0 : step.onFailure.mode === 'threshold' ? failed > (step.onFailure.maxFailures ?? 0) : false);

  // Units an earlier process finished, read a page at a time (workers take units in order, so one page is current).
  let page: { number: number; results: Promise<Map<string, StepResult>> } | undefined;
  const finishedEarlier = (index: number): Promise<Map<string, StepResult>> => {
    const number = Math.floor(index / FINISHED_PAGE);
    if (page?.number !== number) {
      const paths = Array.from({ length: Math.min(FINISHED_PAGE, unitCount - number * FINISHED_PAGE) }, (_, i) => `${path}/${number * FINISHED_PAGE + i}`);
      page = { number, results: run.finished(paths) };
    }
    return page.results;
  };

  // The map's own reads and writes (its items, its units' records): one that fails fails the map, not a unit.
  let storeFailed: { error: unknown } | undefined;
  const storeFailure = (error: unknown): void => {
    storeFailed ??= { error };
    stop.abort(error);
  };

  // Units' completed records being written (a unit goes on without waiting for its own: StepOptions.recordWritten).
  const writing = new Set<Promise<void>>();
  const recordWritten = (written: Promise<void>): void => {
    const tracked = written.then(
      () => void writing.delete(tracked),
      (error: unknown) => {
        writing.delete(tracked);
        storeFailure(error);
      },
    );
    writing.add(tracked);
  };

  const worker = async () => {
    while (next < unitCount && !unitSignal.aborted) {
      const index = next++;
      const first = index * size;
      const items = Math.min(size, list.length - first);
      try {
        const unitPath = `${path}/${index}`;
        if (!(await finishedEarlier(index)).has(unitPath)) {
          // Read only for a unit that runs: a resumed map over an earlier map's output skips the pages it finished.
          let unit: unknown[];
          try {
            unit = await list.slice(first, first + items);
          } catch (error) {
            storeFailure(error);
            return;
          }
          // The unit's step reads the map's scope and never adds to its steps (a sequence inside copies its own), so units share it.
          const unitScope: TemplateScope = { ...scope, index, ...(batched ? { batch: unit } : { item: unit[0] }) };
          await run.step(step.step, unitScope, unitPath, unitSignal, { quiet: true, recordWritten });
        }
        run.deps.metrics?.mapItems(run.host.runId, 'completed', items);
      } catch (err) {
        if (unitSignal.aborted && !(err instanceof StepFailure)) return;
        run.deps.metrics?.mapItems(run.host.runId, 'failed', items);
        failed++;
        if (firstFailure === undefined || index < firstFailure.index) firstFailure = { index, error: failureMessage(err) };
        if (tooMany()) stop.abort(Errors.workflowMapStopped({}));
      }
      done++;
      itemsDone += items;
      report(done === unitCount);
    }
  };
  report(true);
  await Promise.all(Array.from({ length: Math.min(Math.max(1, step.concurrency), Math.max(1, unitCount)) }, worker));
  // The list is read from the units' records: every one is written before the map ends.
  while (writing.size > 0) await Promise.all(writing);
  signal.throwIfAborted();
  if (storeFailed !== undefined) throw storeFailed.error;
  if (tooMany() && firstFailure !== undefined) {
    throw new StepFailure(path, Errors.workflowMapFailed({ path, failed, units: unitCount, unitsName: batched ? 'batches' : 'items', unitName: batched ? 'batch' : 'item', index: firstFailure.index, error: firstFailure.error }));
  }
  return new UnitOutputs(path, unitCount);
}
