import type { CompiledTemplate, StepsRead } from '../workflow/index.js';
import type { Step, StepResult, StepsInView, TemplateScope } from '../workflow/workflow-definition.js';
import type { StepRecord } from './run-store.js';

/** How many step results a run keeps at hand: the steps just finished, which the next ones most often read. */
export const RECENT_OUTPUTS = 64;

/** Position of each id in a list of steps, computed once per list (definitions do not change while they run). */
const positions = new WeakMap<readonly Step[], Map<string, number>>();

function positionsOf(steps: readonly Step[]): Map<string, number> {
  let found = positions.get(steps);
  if (found === undefined) {
    found = new Map(steps.map((step, i) => [step.id, i]));
    positions.set(steps, found);
  }
  return found;
}

/**
 * The steps a sequence has finished, as its scope sees them: the first
 * `done` of its list, then whatever the enclosing scope sees. It holds no
 * results and nothing per step, only a count: a run of 10,000 steps keeps
 * one of these per sequence level in progress.
 */
export class SequenceView implements StepsInView {
  done = 0;
  readonly #steps: readonly Step[];
  readonly #prefix: string;
  readonly #outer: StepsInView | undefined;

  constructor(steps: readonly Step[], prefix: string, outer: StepsInView | undefined) {
    this.#steps = steps;
    this.#prefix = prefix;
    this.#outer = outer;
  }

  pathOf(id: string): string | undefined {
    const at = positionsOf(this.#steps).get(id);
    if (at !== undefined && at < this.done) return this.#prefix + id;
    return this.#outer?.pathOf(id);
  }

  ids(): string[] {
    const own = this.#steps.slice(0, this.done).map((step) => step.id);
    return [...new Set([...(this.#outer?.ids() ?? []), ...own])];
  }
}

/** Units whose records one read of a map's outputs asks for at once. */
const UNITS_PAGE = 500;

/**
 * A completed map's output as the run holds it: where its units' outputs
 * are, not the list (docs/adr/0079-maps-paged.md). It becomes the list
 * ({@link StepOutputs.settle}) only where something needs the list: a
 * template naming it, the workflow's outputs, a step wrapping it.
 */
export class UnitOutputs {
  readonly path: string;
  readonly count: number;

  constructor(path: string, count: number) {
    this.path = path;
    this.count = count;
  }

  /** Never written as JSON: written as `{}` it would be a result silently lost. */
  toJSON(): never {
    throw new Error(`the outputs of the map at ${this.path} were to be written before they were read`);
  }
}

/**
 * A map's outputs as the items of a map over them: sliced in order, one page
 * of {@link UNITS_PAGE} (or one unit's batch, if longer) read and kept at a
 * time. Workers take units in order, so the page kept is the current one.
 * An array has the same `length` and `slice`: a map takes either.
 */
export class PagedOutputs {
  readonly length: number;
  readonly #read: (first: number, count: number) => Promise<unknown[]>;
  #page: { first: number; count: number; items: Promise<unknown[]> } | undefined;

  constructor(length: number, read: (first: number, count: number) => Promise<unknown[]>) {
    this.length = length;
    this.#read = read;
  }

  async slice(start: number, end: number): Promise<unknown[]> {
    const last = Math.min(end, this.length);
    let page = this.#page;
    if (page === undefined || start < page.first || last > page.first + page.count) {
      const count = Math.max(UNITS_PAGE, last - start);
      page = { first: start, count, items: this.#read(start, count) };
      this.#page = page;
    }
    const first = page.first;
    return (await page.items).slice(start - first, last - first);
  }
}

/** A step's record as the result later templates read, or undefined while it has none (not finished). */
export function resultOf(record: StepRecord | undefined): StepResult | undefined {
  if (record?.status !== 'completed' && record?.status !== 'skipped') return undefined;
  const output = record.outputUnits !== undefined ? new UnitOutputs(record.outputUnitsAt ?? record.path, record.outputUnits) : (record.output ?? null);
  return { status: record.status, output, ...(record.taskId ? { taskId: record.taskId } : {}), ...(record.agent ? { agent: record.agent } : {}) };
}

/**
 * The results of a run's finished steps, read on demand: the most recent
 * {@link RECENT_OUTPUTS} at hand, any other one read from its step record
 * (one row, by path) when a template names it.
 */
export class StepOutputs {
  readonly #recent = new Map<string, StepResult>();
  readonly #read: (path: string) => Promise<StepRecord | undefined>;
  readonly #readMany: (paths: readonly string[]) => Promise<Map<string, StepRecord>>;

  /** `read`: one step's record by path; `readMany`: those of several paths at once (a page of a map's units). */
  constructor(read: (path: string) => Promise<StepRecord | undefined>, readMany: (paths: readonly string[]) => Promise<Map<string, StepRecord>>) {
    this.#read = read;
    this.#readMany = readMany;
  }

  /**
   * `value` with a map's outputs read into their list: each unit's output in
   * order, `null` for a unit that failed (a map under `continue` or
   * `threshold`), read a page of units at a time. Any other value as it is.
   */
  async settle(value: unknown): Promise<unknown> {
    if (!(value instanceof UnitOutputs)) return value;
    const list: unknown[] = [];
    for (let first = 0; first < value.count; first += UNITS_PAGE) list.push(...(await this.page(value, first, UNITS_PAGE)));
    return list;
  }

  /** Units `first` to `first + count` of a map's outputs (fewer at the end of the list), read `UNITS_PAGE` records a query. */
  async page(value: UnitOutputs, first: number, count: number): Promise<unknown[]> {
    const end = Math.min(value.count, first + count);
    const list: unknown[] = [];
    for (let start = first; start < end; start += UNITS_PAGE) {
      const paths = Array.from({ length: Math.min(UNITS_PAGE, end - start) }, (_, i) => `${value.path}/${start + i}`);
      const records = await this.#readMany(paths);
      for (const path of paths) {
        const result = resultOf(records.get(path));
        // A unit that is itself a map holds its own units' outputs.
        list.push(result === undefined ? null : await this.settle(result.output));
      }
    }
    return list;
  }

  /** A map's outputs as a list read a page at a time as it is sliced (a map over them): never the whole list at once. */
  pages(value: UnitOutputs): PagedOutputs {
    return new PagedOutputs(value.count, (first, count) => this.page(value, first, count));
  }

  /** Keeps a step's result at hand (the least recently used leaves). */
  remember(path: string, result: StepResult): void {
    this.#recent.delete(path);
    this.#recent.set(path, result);
    if (this.#recent.size > RECENT_OUTPUTS) this.#recent.delete(this.#recent.keys().next().value!);
  }

  /** Forgets a step's result (it runs again). */
  forget(path: string): void {
    this.#recent.delete(path);
  }

  /** How many results are at hand (tests check the bound). */
  get size(): number {
    return this.#recent.size;
  }

  /** A finished step's result, a map's outputs read into their list (kept at hand as their place only: a list can be long). */
  async get(path: string): Promise<StepResult | undefined> {
    const result = await this.#unsettled(path);
    return result?.output instanceof UnitOutputs ? { ...result, output: await this.settle(result.output) } : result;
  }

  async #unsettled(path: string): Promise<StepResult | undefined> {
    let result = this.#recent.get(path);
    if (result === undefined) result = resultOf(await this.#read(path));
    if (result === undefined) return undefined;
    this.remember(path, result);
    return result;
  }

  /**
   * The scope to render with: its `steps` holds the results `reads` names
   * among the steps the scope sees. A scope without a view (built by hand,
   * not by the engine) is rendered as it is. Unless `settled`, a map's
   * output stays its place (a {@link UnitOutputs}).
   */
  async scopeFor(scope: TemplateScope, reads: StepsRead, settled = true): Promise<TemplateScope> {
    const view = scope.inView;
    if (view === undefined) return scope;
    const ids = reads.every ? view.ids() : reads.ids;
    const steps: Record<string, StepResult> = {};
    for (const id of ids) {
      const path = view.pathOf(id);
      const result = path === undefined ? undefined : settled ? await this.get(path) : await this.#unsettled(path);
      if (result !== undefined) steps[id] = result;
    }
    return { ...scope, steps };
  }

  /**
   * A map's `over`, rendered: a map's output taken as it is
   * (`{{ steps.a.output }}`) comes as {@link PagedOutputs}, read a page at a
   * time as the map takes its items; anything else (a part of the list, a
   * list built around it) renders with the list read whole.
   */
  async mapItems(over: CompiledTemplate, scope: TemplateScope): Promise<unknown> {
    const places = await this.scopeFor(scope, over.stepsRead, false);
    if (Object.values(places.steps).some((result) => result.output instanceof UnitOutputs)) {
      let value: unknown;
      try {
        value = over.render(places);
      } catch {
        // A template that does more with the list than take it: rendered below with the list itself.
        value = undefined;
      }
      if (value instanceof UnitOutputs) return this.pages(value);
    }
    return over.render(await this.scopeFor(scope, over.stepsRead));
  }
}
