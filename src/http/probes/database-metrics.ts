import type { Metrics } from '../../observability/index.js';

/** What the gauges read of a database (storage's `Database`; http imports no storage code). */
export interface ObservedDatabase {
  readonly dialect: string;
  ping(): Promise<void>;
  walBytes(): Promise<number>;
}

/** Longest a scrape waits for the database before reporting it down (a scrape must not hang with it). */
const PROBE_TIMEOUT_MS = 2000;

/**
 * A role's database gauges, computed at each scrape (no timer, nothing on
 * the request path): `agentmesh_storage_ping_seconds` (round trip of a
 * trivial query, pool wait included), `agentmesh_storage_up` and
 * `agentmesh_storage_wal_bytes` (WAL held since the last checkpoint).
 * Labelled by dialect only: the series are the same for every tenant.
 */
export function observeDatabase(metrics: Metrics, database: ObservedDatabase): void {
  const dialect = database.dialect;
  // prom-client starts every collect of a scrape in registration order before awaiting any:
  // the ping's collect starts the probe, the up gauge's awaits that same probe.
  let probe: Promise<number | undefined> = Promise.resolve(undefined);
  metrics.gauge('agentmesh_storage_ping_seconds', 'Round trip of a trivial query at scrape time, waiting for a pooled connection included (2 when it timed out or failed)', ['dialect'], async (gauge) => {
    const started = performance.now();
    probe = bounded(database.ping()).then((ok) => (ok === undefined ? undefined : (performance.now() - started) / 1000));
    gauge.set({ dialect }, (await probe) ?? PROBE_TIMEOUT_MS / 1000);
  });
  metrics.gauge('agentmesh_storage_up', "Whether the database answered the scrape's ping within 2 s (1) or not (0)", ['dialect'], async (gauge) => {
    gauge.set({ dialect }, (await probe) === undefined ? 0 : 1);
  });
  metrics.gauge('agentmesh_storage_wal_bytes', "Write-ahead log held since the last checkpoint: the SQLite -wal file, or PostgreSQL's distance from the last checkpoint's redo point", ['dialect'], async (gauge) => {
    const bytes = await bounded(database.walBytes());
    if (typeof bytes === 'number') gauge.set({ dialect }, bytes);
  });
}

/** The promise's value (`null` for a void one), or undefined when it fails or outlasts the probe timeout. */
async function bounded<T>(work: Promise<T>): Promise<T | null | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.then((v) => v ?? null).catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
