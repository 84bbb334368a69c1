import type { Server } from 'node:http';
import type { Logger } from '../../observability/index.js';
import { loadHalfOpen, type HalfOpen } from '../node-http-internals.js';

/**
 * Lets a client that half-closes (a FIN after its requests, as `nc -N` sends) get its answers from
 * `server` (ADR 0069): node:http's server ends such a connection at the client's end by default, and
 * a request already read then runs for nothing. The switch is node:http's undocumented
 * `httpAllowHalfOpen`, checked by what it does first (node-http-internals.ts); a Node on which the
 * check fails keeps node:http's default, and this says why at warn.
 */
export async function allowHalfOpen(server: Server, log: Logger, load: () => Promise<HalfOpen | string> = loadHalfOpen): Promise<void> {
  const halfOpen = await load();
  if (typeof halfOpen === 'string') {
    log.warn({ reason: halfOpen }, "a client that half-closes its connection gets no answer: node:http's half-open switch cannot be used on this Node");
    return;
  }
  halfOpen.allow(server);
}
