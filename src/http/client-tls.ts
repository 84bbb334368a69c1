/*
 * What a role presents and trusts when it calls another role over HTTPS:
 * undici `connect` options (gateway → agents, runtime → registry,
 * orchestrator → gateway) and the SSRF guard's (registry → agents).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { ClientTlsSettings } from './tls-settings.js';

/** TLS options of an outbound connection (undici `connect`, `tls.connect`). */
export interface ClientTlsOptions {
  cert?: Buffer;
  key?: Buffer;
  /** Trusted CAs: replaces Node's default roots, so it carries them too when `withSystemRoots`. */
  ca?: Array<string | Buffer>;
}

/**
 * The files of `settings`, read now, as connection options; undefined when
 * nothing is configured (Node's defaults then apply). `withSystemRoots` keeps
 * the public roots beside the configured CA: for a client that also calls
 * the internet (the registry fetches cards by URL), since Node's `ca`
 * replaces its default trust store rather than adding to it.
 *
 * @example
 * const connect = readClientTls(config.clientTls);
 * const pool = new Agent({ connect: { timeout: 5_000, ...connect } });
 */
export function readClientTls(settings: ClientTlsSettings | undefined, options: { withSystemRoots?: boolean } = {}): ClientTlsOptions | undefined {
  if (settings === undefined) return undefined;
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`clientTls.${what} names a file that cannot be read (${path}): ${(err as Error).message}`, { cause: err });
    }
  };
  const out: ClientTlsOptions = {};
  if (settings.certFile !== undefined && settings.keyFile !== undefined) {
    out.cert = read('certFile', settings.certFile);
    out.key = read('keyFile', settings.keyFile);
  }
  if (settings.caFile !== undefined) out.ca = [...(options.withSystemRoots ? rootCertificates : []), read('caFile', settings.caFile)];
  return out.cert === undefined && out.ca === undefined ? undefined : out;
}
