/*
 * What a role presents and trusts when it calls another role over HTTPS:
 * the connectors of its outbound pools (gateway → agents, runtime →
 * registry, orchestrator → gateway, the SSRF guard's registry → agents; see
 * outbound/outbound-pool.ts), reloaded when the files change, as the
 * server's own certificate is.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type ConnectionOptions } from 'node:tls';
import type * as UndiciModule from 'undici';
import type { Logger } from '../../observability/index.js';
import { watchFiles } from './file-watch.js';
import { TLS_RELOAD_DEBOUNCE_MS } from './server-tls.js';
import type { ClientTlsSettings } from './tls-settings.js';
import { errorMessage, toError } from '../../protocol/index.js';

/** TLS options of an outbound connection (undici `connect`, `tls.connect`). */
export interface ClientTlsOptions {
  cert?: Buffer;
  key?: Buffer;
  /** Trusted CAs: replaces Node's default roots, so it carries them too when `withSystemRoots`. */
  ca?: Array<string | Buffer>;
}

type BuildConnector = typeof UndiciModule.buildConnector;
type Connector = UndiciModule.buildConnector.connector;
type ConnectorOptions = UndiciModule.buildConnector.BuildOptions;

/**
 * The files of `settings`, read now, as connection options; undefined when
 * nothing is configured (Node's defaults then apply). `withSystemRoots` keeps
 * the public roots beside the configured CA: for a client that also calls
 * the internet (the registry fetches cards by URL), since Node's `ca`
 * replaces its default trust store rather than adding to it.
 *
 * @example
 * const connect = readClientTls(config.clientTls);
 * const socket = tls.connect({ host: 'registry', port: 4100, ...connect });
 */
export function readClientTls(settings: ClientTlsSettings | undefined, options: { withSystemRoots?: boolean } = {}): ClientTlsOptions | undefined {
  if (settings === undefined) return undefined;
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`clientTls.${what} names a file that cannot be read (${path}): ${errorMessage(err)}`, { cause: err });
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

/** Events of {@link ClientTlsSource}. */
export interface ClientTlsSourceEvents {
  /** New connections present (and trust) the changed files. */
  reload: [];
  /** The changed files do not load; connections keep the previous ones. */
  'reload-failed': [Error];
}

/**
 * A role's outbound TLS (`clientTls`), kept current: the files are read at
 * start (an unreadable one fails the start, naming it), then watched; once
 * they have been quiet a moment they are read again and, if they load (the
 * key matches the certificate), used for every new connection. Pools keep
 * their open connections. One source per process, shared by its pools;
 * `close()` stops watching.
 *
 * @example
 * const tls = openClientTls(config.clientTls, { logger });
 * const pool = createOutboundPool({ connectTimeoutMs: 5_000, tls });
 */
export class ClientTlsSource extends EventEmitter<ClientTlsSourceEvents> {
  readonly #settings: ClientTlsSettings;
  readonly #withSystemRoots: boolean;
  readonly #log: Logger;
  #options: ClientTlsOptions;
  #generation = 0;
  #unwatch: (() => void) | undefined;

  constructor(options: { settings: ClientTlsSettings; logger: Logger; withSystemRoots?: boolean; debounceMs?: number }) {
    super();
    this.#settings = options.settings;
    this.#withSystemRoots = options.withSystemRoots ?? false;
    this.#log = options.logger;
    this.#options = readClientTls(this.#settings, { withSystemRoots: this.#withSystemRoots }) ?? {};
    const files = [options.settings.certFile, options.settings.keyFile, options.settings.caFile].filter((f): f is string => f !== undefined);
    this.#unwatch = watchFiles({ files, debounceMs: options.debounceMs ?? TLS_RELOAD_DEBOUNCE_MS, onSettled: () => this.reloadNow(), log: this.#log, what: 'the client TLS files' });
  }

  /** The options new connections use now. */
  get options(): ClientTlsOptions {
    return this.#options;
  }

  /**
   * An undici connector with `base` (timeout, lookup…) and the current
   * options, rebuilt on the first connection after a reload. `build` is
   * undici's `buildConnector` (passed in: http/ loads undici only where used).
   */
  connector(base: ConnectorOptions, build: BuildConnector): Connector {
    let generation = -1;
    let current: Connector | undefined;
    return (opts, callback) => {
      if (current === undefined || generation !== this.#generation) {
        current = build({ ...base, ...(this.#options as ConnectionOptions) } as ConnectorOptions);
        generation = this.#generation;
      }
      current(opts, callback);
    };
  }

  /** Reads the files now; true when they changed and load. */
  reloadNow(): boolean {
    try {
      const next = readClientTls(this.#settings, { withSystemRoots: this.#withSystemRoots }) ?? {};
      if (sameOptions(next, this.#options)) return false;
      // Throws on a key that does not match the certificate, before any connection uses them.
      createSecureContext(next);
      this.#options = next;
      this.#generation++;
      this.#log.info('client TLS certificate reloaded');
      this.emit('reload');
      return true;
    } catch (err) {
      this.#log.warn({ err }, 'the changed client TLS certificate or key does not load; new connections keep the previous one');
      this.emit('reload-failed', toError(err));
      return false;
    }
  }

  /** Stops watching. */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}

/** A watched {@link ClientTlsSource} for `settings`, or undefined when none are configured. */
export function openClientTls(settings: ClientTlsSettings | undefined, options: { logger: Logger; withSystemRoots?: boolean }): ClientTlsSource | undefined {
  if (settings === undefined || (settings.certFile === undefined && settings.caFile === undefined)) return undefined;
  return new ClientTlsSource({ settings, logger: options.logger.child({ module: 'tls' }), withSystemRoots: options.withSystemRoots });
}

function sameOptions(a: ClientTlsOptions, b: ClientTlsOptions): boolean {
  const same = (x: Buffer | undefined, y: Buffer | undefined) => (x === undefined ? y === undefined : y !== undefined && x.equals(y));
  // The CA the settings add comes last, a Buffer (the system roots before it are strings).
  const lastCa = (o: ClientTlsOptions): Buffer | undefined => {
    const ca = o.ca?.at(-1);
    return Buffer.isBuffer(ca) ? ca : undefined;
  };
  return same(a.cert, b.cert) && same(a.key, b.key) && same(lastCa(a), lastCa(b));
}
