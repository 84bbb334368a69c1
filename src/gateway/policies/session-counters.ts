import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../observability/index.js';
import { COUNTER_SCOPES, COUNTER_WINDOWS, type CounterScope, type CounterWindow } from './entity-model.js';

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

/** One counter's values in one window, before the call being decided. */
export interface CounterCell {
  calls: number;
  /** Milli-credits. */
  spend: number;
  denials: number;
}

/** The values of every scope and window, before the call, by `scope` then `window`. */
export type CounterValues = Record<CounterScope, Record<CounterWindow, CounterCell>>;

const WINDOW_MS: Record<CounterWindow, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** A window's counters outlive it this long, so a clock a little behind on another replica still reads them. */
const EXPIRY_MARGIN_MS = 60_000;
const MEMORY_CELLS = 100_000;

/**
 * KEYS: the hashes of a call's scopes and windows. ARGV[1]: `count` (read
 * every hash, then count the call: calls +1, spend + ARGV[2]) or `refuse`
 * (take the call back: calls -1, spend - ARGV[2], denials +1); ARGV[3…]:
 * each hash's expiry, ms. Reply (`count`): per hash, its calls, spend and
 * denials before the call. One script, so two replicas counting at once
 * each see the other's call: never both a third.
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

/**
 * The session counters policies read (`context.calls|spend|denials.
 * principal|tenant|context.minute|hour|day`), kept where the quotas are:
 * in Redis across gateway replicas (one script per call, ADR 0073), in
 * memory on a single gateway, and in memory on a replica that cannot reach
 * Redis for the moment (per replica then, as the quotas' insurance). Fixed
 * UTC windows: the current minute, hour and day.
 */
export class SessionCounters {
  readonly #redis: (Redis & CounterCommand) | undefined;
  readonly #memory = new LRUCache<string, CounterCell>({ max: MEMORY_CELLS, ttlAutopurge: false });
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

  /** Counts the call in every scope and window, and returns the values before it. */
  async count(call: CountedCall): Promise<CounterValues> {
    const cells = this.#cells(call);
    if (this.#redis !== undefined) {
      try {
        const reply = await this.#redis.agentmeshPolicyCounters(cells.length, ...cells.map((c) => c.key), 'count', call.milliCredits, ...cells.map((c) => c.ttl));
        return valuesOf(cells, Array.isArray(reply) ? reply.map(Number) : []);
      } catch (err) {
        this.#logger?.warn({ err }, 'the policy counters in Redis could not be read; counting in this replica alone for now');
      }
    }
    const before: number[] = [];
    for (const c of cells) {
      const cell = this.#memory.get(c.key) ?? { calls: 0, spend: 0, denials: 0 };
      before.push(cell.calls, cell.spend, cell.denials);
      this.#memory.set(c.key, { calls: cell.calls + 1, spend: cell.spend + call.milliCredits, denials: cell.denials }, { ttl: c.ttl });
    }
    return valuesOf(cells, before);
  }

  /** Takes back a call {@link count} counted and a policy then refused, and counts the denial. */
  async refused(call: CountedCall): Promise<void> {
    const cells = this.#cells(call);
    if (this.#redis !== undefined) {
      try {
        await this.#redis.agentmeshPolicyCounters(cells.length, ...cells.map((c) => c.key), 'refuse', call.milliCredits, ...cells.map((c) => c.ttl));
        return;
      } catch (err) {
        this.#logger?.warn({ err }, 'a policy denial could not be counted in Redis; counting it in this replica alone');
      }
    }
    for (const c of cells) {
      const cell = this.#memory.get(c.key) ?? { calls: 1, spend: call.milliCredits, denials: 0 };
      this.#memory.set(c.key, { calls: cell.calls - 1, spend: cell.spend - call.milliCredits, denials: cell.denials + 1 }, { ttl: c.ttl });
    }
  }

  /** The hash of each scope and window: keys share the tenant's hash tag, so one script may touch them all on a Redis cluster. */
  #cells(call: CountedCall): Array<{ scope: CounterScope; window: CounterWindow; key: string; ttl: number }> {
    const now = this.#now();
    const base = `am:policy:{${encodeURIComponent(call.tenant)}}:${encodeURIComponent(call.agent)}:${encodeURIComponent(call.skill)}`;
    const out: Array<{ scope: CounterScope; window: CounterWindow; key: string; ttl: number }> = [];
    for (const scope of COUNTER_SCOPES) {
      // A message that names no context has no context to count in: its context counters read 0.
      if (scope === 'context' && call.contextId === '') continue;
      const who = scope === 'tenant' ? '' : encodeURIComponent(scope === 'principal' ? call.subject : call.contextId);
      for (const window of COUNTER_WINDOWS) {
        const size = WINDOW_MS[window];
        const start = now - (now % size);
        out.push({ scope, window, key: `${base}:${scope[0]}:${who}:${window[0]}:${start}`, ttl: start + size - now + EXPIRY_MARGIN_MS });
      }
    }
    return out;
  }
}

function valuesOf(cells: ReadonlyArray<{ scope: CounterScope; window: CounterWindow }>, flat: readonly number[]): CounterValues {
  const at = (scope: CounterScope, window: CounterWindow): CounterCell => {
    const i = cells.findIndex((c) => c.scope === scope && c.window === window);
    return i < 0 ? { calls: 0, spend: 0, denials: 0 } : { calls: flat[3 * i] ?? 0, spend: flat[3 * i + 1] ?? 0, denials: flat[3 * i + 2] ?? 0 };
  };
  const windows = (scope: CounterScope): Record<CounterWindow, CounterCell> => ({ minute: at(scope, 'minute'), hour: at(scope, 'hour'), day: at(scope, 'day') });
  return { principal: windows('principal'), tenant: windows('tenant'), context: windows('context') };
}
