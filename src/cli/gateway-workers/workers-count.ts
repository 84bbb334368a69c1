/*
 * How many gateway workers `serve gateway` runs (`--workers`, env
 * GATEWAY_WORKERS), and what more than one needs: the shared state of a
 * fleet of replicas, since each worker is one.
 */
import { availableParallelism } from 'node:os';
import { Errors } from '../../protocol/index.js';
import type { GatewayConfigInput } from '../../gateway/index.js';

/** Most workers one primary forks: far above any core count a gateway host has, low enough to catch a typo. */
const MAX_WORKERS = 256;

/**
 * The worker count of `--workers` (wins) or `GATEWAY_WORKERS`: a positive
 * integer, or `auto` for `os.availableParallelism()`. Unset: 1, one process
 * and no cluster at all.
 *
 * @example
 * gatewayWorkers('auto', {}, () => 2); // 2
 */
export function gatewayWorkers(flag: string | undefined, env: Record<string, string | undefined>, cores: () => number = availableParallelism): number {
  const name = flag !== undefined ? '--workers' : 'GATEWAY_WORKERS';
  const value = (flag ?? env['GATEWAY_WORKERS'] ?? '').trim();
  if (value === '') return 1;
  if (value === 'auto') return Math.max(1, Math.min(MAX_WORKERS, cores()));
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    throw Errors.cliWorkersInvalid({ name, max: MAX_WORKERS, given: JSON.stringify(value) });
  }
  return Number(value);
}

/**
 * Refuses workers on the embedded defaults: each worker is a gateway
 * replica, and replicas share their clients, keys, ledger and audit chain
 * through PostgreSQL and their quota counters through Redis. On SQLite the
 * workers would each write one file (and one audit chain) from several
 * processes; without Redis each would count its own quotas, admitting n
 * times the configured rate.
 */
export function requireFleetBackends(config: GatewayConfigInput, workers: number): void {
  const missing: string[] = [];
  if (!config.databaseUrl || !/^postgres(ql)?:\/\//i.test(config.databaseUrl)) missing.push('DATABASE_URL=postgres://… (clients, keys, ledger and audit shared by the workers; SQLite is one process\'s)');
  if (!config.redisUrl) missing.push('REDIS_URL=redis://… (quotas counted once across the workers)');
  if (missing.length === 0) return;
  throw Errors.cliWorkersNeedFleet({ workers, missing: missing.join(' and ') });
}
