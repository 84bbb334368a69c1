/**
 * Relays a console call to the registry's management API (the browser only
 * talks to the gateway: the page's CSP allows no other origin), with the
 * gateway's registry token. The registry's answer, success or error, goes
 * back as it came: its errors are already in the wire format.
 */
import { Errors } from '../../protocol/index.js';

/** Where the registry is and how the gateway authenticates to it. */
export interface RegistryTarget {
  registryUrl: string;
  registryToken: string | undefined;
}

/** The registry's answer. */
export interface RelayedAnswer {
  status: number;
  contentType: string;
  body: string;
}

const TIMEOUT_MS = 15_000;

/** Calls `path` on the registry; a registry that does not answer is a 503 the caller may retry. */
export async function relayToRegistry(target: RegistryTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<RelayedAnswer> {
  let res: Response;
  try {
    res = await fetch(`${target.registryUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...(target.registryToken !== undefined && { authorization: `Bearer ${target.registryToken}` }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw Errors.consoleRegistryUnreachable({}, { cause: err });
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', body: await res.text() };
}
