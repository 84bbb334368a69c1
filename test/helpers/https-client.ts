import { request } from 'node:https';
import { connect } from 'node:tls';

/** TLS options of a test client: the CA it trusts and, for mutual TLS, its certificate. */
export interface TestTlsClient {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * One HTTPS request on a new connection (no pooling: each call does its own
 * handshake, so a reloaded certificate or a refused client shows at once).
 * Rejects when the TLS layer refuses the connection.
 */
export function httpsCall(url: string, tls: TestTlsClient, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false, ca: tls.ca, cert: tls.cert, key: tls.key }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The serial number of the certificate a TLS server presents to a new connection. */
export function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toUpperCase());
    });
    socket.on('error', reject);
  });
}
