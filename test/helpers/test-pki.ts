import { execFile } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as files and bytes. */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  /** Serial number as `X509Certificate.serialNumber` prints it (upper-case hex). */
  serialNumber: string;
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the DER certificate, computed here independently of src/. */
  thumbprint: string;
}

/** A throw-away certificate authority in a temporary folder, made with the `openssl` CLI. */
export interface TestPki {
  dir: string;
  caFile: string;
  ca: Buffer;
  /** A leaf certificate signed by the CA, good for serverAuth and clientAuth, naming localhost and 127.0.0.1. */
  issue(name: string): Promise<IssuedCertificate>;
  close(): void;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the TLS tests need the openssl CLI to generate certificates: apt-get install -y openssl', { cause: err });
    }
    throw err;
  }
}

function loaded(certFile: string, keyFile: string): IssuedCertificate {
  const cert = readFileSync(certFile);
  const x509 = new X509Certificate(cert);
  return { certFile, keyFile, cert, key: readFileSync(keyFile), serialNumber: x509.serialNumber, thumbprint: createThumbprint(x509.raw) };
}

/** Written out here rather than imported: the tests check src/'s thumbprint against this one. */
function createThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Creates a CA (EC P-256, valid two days) under a fresh temporary folder.
 * Every certificate is generated at test time: nothing secret or expiring
 * is checked in.
 *
 * @example
 * const pki = await createTestPki();
 * const server = await pki.issue('server');
 * // …
 * pki.close();
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=agentmesh test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  let n = 0;
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt')),
    async issue(name: string) {
      const base = `${name}-${++n}`;
      await openssl(['req', ...ec, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`], dir);
      const serial = `0x${randomBytes(12).toString('hex')}`;
      await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '2', '-extfile', 'leaf.ext', '-out', `${base}.crt`], dir);
      return loaded(join(dir, `${base}.crt`), join(dir, `${base}.key`));
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
