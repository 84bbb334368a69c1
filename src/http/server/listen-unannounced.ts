import type { FastifyInstance, FastifyListenOptions } from 'fastify';

/**
 * Where to bind. `reusePort` (SO_REUSEPORT, which Fastify hands to node:net
 * as given though its types omit it) binds beside a held port reservation
 * (`reservePort`).
 */
export interface UnannouncedListenOptions extends FastifyListenOptions {
  port: number;
  host: string;
  reusePort?: boolean;
}

/** Levels that would let Fastify's info line through. */
const BELOW_WARN: ReadonlySet<string> = new Set(['trace', 'debug', 'info']);

/**
 * `app.listen(options)` without Fastify's `Server listening at …` line (one
 * per address the host resolves to): a role logs its own `… listening` line
 * once bound, naming what it serves, and the CLI prints where it answers, so
 * a third line saying less, under no component, is noise. The app's logger
 * is raised to `warn` for the bind alone (its ready hooks have run and log as
 * they would): no request is served before `listen` resolves, and a warning
 * or an error still goes out.
 *
 * @example
 * const url = await listenUnannounced(app, { port: 0, host: '127.0.0.1' });
 */
export async function listenUnannounced(app: FastifyInstance, options: UnannouncedListenOptions): Promise<string> {
  await app.ready();
  const log = app.log;
  const level = log.level;
  if (BELOW_WARN.has(level)) log.level = 'warn';
  try {
    return await app.listen(options);
  } finally {
    log.level = level;
  }
}
