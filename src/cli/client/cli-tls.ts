/*
 * The TLS of the CLI's own calls, from the same variables a role reads for
 * its calls to other roles: `TLS_CLIENT_CERT_FILE` + `TLS_CLIENT_KEY_FILE`
 * (a client certificate, for a gateway with `TLS_CLIENT_AUTH=require`) and
 * `TLS_CA_FILE` (a private CA, trusted beside the public roots). One
 * environment then serves a role and the CLI run beside it (`kubectl exec`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as NodeTls from 'node:tls';
import { Errors, errorMessage, errorCode } from '../../protocol/index.js';
import type { HttpFetchTls } from './http-fetch.js';

/**
 * A loader of the CLI's TLS settings, or undefined when the environment sets
 * none. The loader runs at the first https call: it checks the pair, reads
 * the files and loads node:tls (for the public roots kept beside
 * `TLS_CA_FILE`), so `--help` and http:// calls pay nothing. Its errors are
 * usage errors that name the variable.
 *
 * @example
 * const tls = cliTlsFromEnv(io.env);
 * const fetch = createHttpFetch(tls ? { tls } : {});
 */
export function cliTlsFromEnv(env: Record<string, string | undefined>): (() => HttpFetchTls) | undefined {
  const certFile = env['TLS_CLIENT_CERT_FILE'] || undefined;
  const keyFile = env['TLS_CLIENT_KEY_FILE'] || undefined;
  const caFile = env['TLS_CA_FILE'] || undefined;
  if (certFile === undefined && keyFile === undefined && caFile === undefined) return undefined;
  return () => {
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw Errors.cliTlsPairIncomplete({});
    }
    const read = (variable: string, path: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw Errors.cliTlsFileUnreadable({ variable, path, reason: errorCode(err) ?? errorMessage(err) }, { cause: err });
      }
    };
    const tls: HttpFetchTls = {};
    if (certFile !== undefined && keyFile !== undefined) {
      tls.cert = read('TLS_CLIENT_CERT_FILE', certFile);
      tls.key = read('TLS_CLIENT_KEY_FILE', keyFile);
    }
    if (caFile !== undefined) {
      // Node's `ca` replaces its roots: keep them, the CLI also calls public gateways.
      const { rootCertificates } = createRequire(import.meta.url)('node:tls') as typeof NodeTls;
      tls.ca = [...rootCertificates, read('TLS_CA_FILE', caFile)];
    }
    return tls;
  };
}
