/*
 * HTTPS for a role: the secure-context options of its server, read from the
 * configured files, and a watcher that loads a new certificate and key
 * without a restart (cert-manager, Vault agent and Kubernetes Secret volumes
 * all rotate files in place), keeping the old pair when the new one is bad.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from '../../observability/index.js';
import { watchFiles } from './file-watch.js';
import type { ServerTlsSettings } from './tls-settings.js';

/** The secure-context part of `https.createServer` options for `settings`. */
export interface ServerSecureOptions extends SecureContextOptions {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** What a loaded certificate is, for logs and the `reload` event. */
export interface CertificateSummary {
  subject: string;
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated hex (as `X509Certificate.fingerprint256`). */
  fingerprint256: string;
  validTo: string;
}

/** The files of `settings`, read now, as server options. Throws (naming the file) when one cannot be read. */
export function readServerTls(settings: ServerTlsSettings): ServerSecureOptions {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`tls.${what} names a file that cannot be read (${path}): ${(err as Error).message}`, { cause: err });
    }
  };
  const options: ServerSecureOptions = {
    key: read('keyFile', settings.keyFile),
    cert: read('certFile', settings.certFile),
    requestCert: settings.clientAuth !== 'off',
    // `request` lets a client in without a certificate, or with one that does not chain to the CA (RFC 8705 self-signed binding).
    rejectUnauthorized: settings.clientAuth === 'require',
  };
  if (settings.caFile !== undefined) options.ca = read('caFile', settings.caFile);
  return options;
}

/** The leaf certificate of a PEM chain, summarised. */
export function summarizeCertificate(pem: Buffer): CertificateSummary {
  const cert = new X509Certificate(pem);
  return { subject: cert.subject, serialNumber: cert.serialNumber, fingerprint256: cert.fingerprint256, validTo: cert.validTo };
}

/** A server whose secure context can be replaced (`https.Server`, `tls.Server`). */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

/** Events of {@link CertificateReloader}. */
export interface CertificateReloaderEvents {
  /** A new pair is served to new connections. */
  reload: [CertificateSummary];
  /** A changed pair could not be loaded; the previous one is still served. */
  'reload-failed': [Error];
}

/** Default quiet time after the last file event before reading, ms: a rotation writes the key and certificate one after the other. */
export const TLS_RELOAD_DEBOUNCE_MS = 200;

/**
 * Watches the certificate, key and CA files of a server and, once they have
 * been quiet for `debounceMs`, loads them into the server with
 * `setSecureContext` (new connections get them; open ones keep theirs),
 * watching their directories (see `watchFiles`). A pair that does not load
 * (unreadable, not PEM, key not matching the certificate, half-written) is
 * logged and the current one kept; the next change is tried again.
 *
 * @example
 * const reloader = new CertificateReloader({ server: app.server, settings: config.tls, logger });
 * reloader.start();
 * reloader.on('reload', (cert) => console.log(cert.serialNumber));
 */
export class CertificateReloader extends EventEmitter<CertificateReloaderEvents> {
  readonly #server: SecureContextTarget;
  readonly #settings: ServerTlsSettings;
  readonly #log: Logger;
  readonly #debounceMs: number;
  #unwatch: (() => void) | undefined;
  #current: CertificateSummary;
  #loaded: { key: Buffer; cert: Buffer; ca: Buffer | undefined };

  constructor(options: { server: SecureContextTarget; settings: ServerTlsSettings; initial: ServerSecureOptions; logger: Logger; debounceMs?: number }) {
    super();
    this.#server = options.server;
    this.#settings = options.settings;
    this.#log = options.logger;
    this.#debounceMs = options.debounceMs ?? TLS_RELOAD_DEBOUNCE_MS;
    this.#loaded = { key: options.initial.key, cert: options.initial.cert, ca: options.initial.ca };
    this.#current = summarizeCertificate(options.initial.cert);
  }

  /** The certificate served to new connections. */
  get current(): CertificateSummary {
    return this.#current;
  }

  /** Starts watching. The watchers do not keep the process alive. */
  start(): void {
    const files = [this.#settings.certFile, this.#settings.keyFile, ...(this.#settings.caFile ? [this.#settings.caFile] : [])];
    this.#unwatch = watchFiles({ files, debounceMs: this.#debounceMs, onSettled: () => this.reloadNow(), log: this.#log, what: 'the TLS files' });
    this.#log.info({ certificate: this.#current, watching: files.map((f) => basename(f)) }, 'serving HTTPS');
  }

  /** Reads the files now and loads them when they changed; true when a new pair is served. */
  reloadNow(): boolean {
    let next: ServerSecureOptions;
    try {
      next = readServerTls(this.#settings);
      if (next.key.equals(this.#loaded.key) && next.cert.equals(this.#loaded.cert) && sameBuffer(next.ca, this.#loaded.ca)) return false;
      // Throws on a key that does not match the certificate, or bytes that are not PEM, before the server sees them.
      createSecureContext(next);
      const summary = summarizeCertificate(next.cert);
      this.#server.setSecureContext(next);
      this.#loaded = { key: next.key, cert: next.cert, ca: next.ca };
      this.#current = summary;
      this.#log.info({ certificate: summary }, 'TLS certificate reloaded');
      this.emit('reload', summary);
      return true;
    } catch (err) {
      this.#log.warn({ err, certificate: this.#current }, 'the changed TLS certificate or key does not load; still serving the previous one');
      this.emit('reload-failed', err as Error);
      return false;
    }
  }

  /** Stops watching. */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}

function sameBuffer(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.equals(b);
}
