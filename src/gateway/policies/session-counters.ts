import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/index.js';
import type { CounterScope, CounterWindow } from './entity-model.js';

/** Whose and which calls a count is of: the counters count calls of one agent and skill (docs/policies.md, "Session counters"). */
export interface CountedCall {
  tenant: string;
  subject: string;
  /** `''` when the message names none: the context counters then count nothing (always 0). */
  contextId: string;
  agent: string;
  skill: string;
  /** The call's estimate, milli-credits: what `spend` adds. */
  milliCredits: number;
}

/** A scope and window a policy reads (every metric of it is kept together). */
export interface CounterCellRef {
  scope: CounterScope;
  window: CounterWindow;
}

/** One counter's values in one window, before the call being decided. */
export interface CounterCell {
  calls: number;
  /** Milli-credits. */
  spend: number;
  denials: number;
}

/** The values before the call, one per cell asked for, in the order asked. */
export type CounterValues = ReadonlyArray<CounterCellRef & CounterCell>;

const WINDOW_MS: Record<CounterWindow, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** A window's counters outlive it this long, so a clock a little behind on another replica still reads them. */
const EXPIRY_MARGIN_MS = 60_000;
/** Cells kept in memory before the expired ones are dropped (then the oldest, past twice this). */
const MEMORY_CELLS = 100_000;

/**
 * KEYS: the hashes of a call's cells. ARGV[1]: `count` (read every hash,
 * then count the call: calls +1, spend + ARGV[2]) or `refuse` (take the
 * call back: calls -1, spend - ARGV[2], denials +1); ARGV[3…]: each hash's
 * expiry, ms. Reply (`count`): per hash, its calls, spend and denials
 * before the call. One script, so two replicas counting at once each see
 * the other's call: never both a third.
 */
const COUNTER_SCRIPT = `
local mode = ARGV[1]
local milli = tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  if mode == 'count' then
    local v = redis.call('HMGET', key, 'calls', 'spend', 'denials')
    out[#out + 1] = tonumber(v[1]) or 0
    out[#out + 1] = tonumber(v[2]) or 0
    out[#out + 1] = tonumber(v[3]) or 0
    redis.call('HINCRBY', key, 'calls', 1)
    if milli ~= 0 then redis.call('HINCRBY', key, 'spend', milli) end
  else
    redis.call('HINCRBY', key, 'calls', -1)
    if milli ~= 0 then redis.call('HINCRBY', key, 'spend', -milli) end
    redis.call('HINCRBY', key, 'denials', 1)
  end
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + i]))
end
return out
`;

interface CounterCommand {
  agentmeshPolicyCounters(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

interface MemoryCell extends CounterCell {
  expiresAt: number;
}

interface Cell extends CounterCellRef {
  key: string;
  ttl: number;
}

/**
 * The session counters policies read (`context.calls|spend|denials.
 * principal|tenant|context.minute|hour|day`), kept where the quotas are:
 * in Redis across gateway replicas (one script per call, ADR 0073), in
 * memory on a single gateway, and in memory on a replica that cannot reach
 * Redis for the moment (per replica then, as the quotas' insurance). Fixed
 * UTC windows: the current minute, hour and day. Only the cells the
 * policies that apply to a call read are counted for it.
 */
export class SessionCounters {
  readonly #redis: (Redis & CounterCommand) | undefined;
  readonly #memory = new Map<string, MemoryCell>();
  readonly #now: () => number;
  readonly #logger: Logger | undefined;

  constructor(options: { redis?: Redis | undefined; now?: () => number; logger?: Logger } = {}) {
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    if (options.redis) {
      options.redis.defineCommand('agentmeshPolicyCounters', { lua: COUNTER_SCRIPT });
      this.#redis = options.redis as Redis & CounterCommand;
    }
  }

  /** Counts the call in each cell, and returns the values before it: at once in memory, a promise through Redis. */
  count(call: CountedCall, refs: readonly CounterCellRef[]): CounterValues | Promise<CounterValues> {
    const cells = this.#cells(call, refs);
    if (cells.length < refs.length) {
      // Cells nothing is counted in (the context of a message that names none) read 0.
      const zeros = refs.filter((r) => !cells.some((c) => c.scope === r.scope && c.window === r.window)).map((r) => ({ scope: r.scope, window: r.window, calls: 0, spend: 0, denials: 0 }));
      const counted = this.#redis !== undefined ? this.#countShared(call, cells) : this.#countHere(call, cells);
      return counted instanceof Promise ? counted.then((values) => [...values, ...zeros]) : [...counted, ...zeros];
    }
    if (this.#redis !== undefined) return this.#countShared(call, cells);
    return this.#countHere(call, cells);
  }

  async #countShared(call: CountedCall, cells: readonly Cell[]): Promise<CounterValues> {
    if (cells.length === 0) return [];
    try {
      const reply = await this.#redis!.agentmeshPolicyCounters(cells.length, ...cells.map((c) => c.key), 'count', call.milliCredits, ...cells.map((c) => c.ttl));
      const flat = Array.isArray(reply) ? reply.map(Number) : [];
      return cells.map((c, i) => ({ scope: c.scope, window: c.window, calls: flat[3 * i] ?? 0, spend: flat[3 * i + 1] ?? 0, denials: flat[3 * i + 2] ?? 0 }));
    } catch (err) {
      this.#logger?.warn({ err }, 'the policy counters in Redis could not be read; counting in this replica alone for now');
      return this.#countHere(call, cells);
    }
  }

  #countHere(call: CountedCall, cells: readonly Cell[]): CounterValues {
    const now = this.#now();
    const out: Array<CounterCellRef & CounterCell> = [];
    for (const c of cells) {
      let cell = this.#memory.get(c.key);
      if (cell === undefined || cell.expiresAt <= now) {
        cell = { calls: 0, spend: 0, denials: 0, expiresAt: now + c.ttl };
        this.#remember(c.key, cell, now);
      }
      out.push({ scope: c.scope, window: c.window, calls: cell.calls, spend: cell.spend, denials: cell.denials });
      cell.calls++;
      cell.spend += call.milliCredits;
    }
    return out;
  }

  /** Takes back a call {@link count} counted and a policy then refused, and counts the denial. */
  async refused(call: CountedCall, refs: readonly CounterCellRef[]): Promise<void> {
    const cells = this.#cells(call, refs);
    if (cells.length === 0) return;
    if (this.#redis !== undefined) {
      try {
        await this.#redis.agentmeshPolicyCounters(cells.length, ...cells.map((c) => c.key), 'refuse', call.milliCredits, ...cells.map((c) => c.ttl));
        return;
      } catch (err) {
        this.#logger?.warn({ err }, 'a policy denial could not be counted in Redis; counting it in this replica alone');
      }
    }
    const now = this.#now();
    for (const c of cells) {
      const cell = this.#memory.get(c.key);
      if (cell === undefined) {
        this.#remember(c.key, { calls: 0, spend: 0, denials: 1, expiresAt: now + c.ttl }, now);
        continue;
      }
      cell.calls--;
      cell.spend -= call.milliCredits;
      cell.denials++;
    }
  }

  #remember(key: string, cell: MemoryCell, now: number): void {
    this.#memory.set(key, cell);
    if (this.#memory.size <= MEMORY_CELLS) return;
    for (const [k, v] of this.#memory) if (v.expiresAt <= now) this.#memory.delete(k);
    // Still past twice the bound: the oldest go (a Map iterates in insertion order).
    for (const k of this.#memory.keys()) {
      if (this.#memory.size <= MEMORY_CELLS * 2) break;
      this.#memory.delete(k);
    }
  }

  /** Each cell's key: keys share the tenant's hash tag, so one script may touch them all on a Redis cluster. */
  #cells(call: CountedCall, refs: readonly CounterCellRef[]): Cell[] {
    const now = this.#now();
    const base = `am:policy:{${encodeURIComponent(call.tenant)}}:${encodeURIComponent(call.agent)}:${encodeURIComponent(call.skill)}`;
    const out: Cell[] = [];
    for (const { scope, window } of refs) {
      // A message that names no context has no context to count in: its context counters read 0 and count nothing.
      if (scope === 'context' && call.contextId === '') continue;
      const who = scope === 'tenant' ? '' : encodeURIComponent(scope === 'principal' ? call.subject : call.contextId);
      const size = WINDOW_MS[window];
      const start = now - (now % size);
      out.push({ scope, window, key: `${base}:${scope[0]}:${who}:${window[0]}:${start}`, ttl: start + size - now + EXPIRY_MARGIN_MS });
    }
    return out;
  }
}
