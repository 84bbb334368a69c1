import type { FastifyInstance } from 'fastify';
import { decodeContentEncoding } from '../../http/index.js';

/**
 * Takes every request body as text, decoded first when it comes with a
 * Content-Encoding (gzip, deflate, br; held to the body limit once decoded;
 * other codings 415). Each binding parses its own bodies, so bad JSON becomes
 * the binding's own error (-32700, google.rpc.Status, ACP's Error), not
 * Fastify's generic 400.
 */
export function takeBodiesAsText(app: FastifyInstance, bodyLimitBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: bodyLimitBytes }, (_req, body, done) => done(null, body));
  app.addHook('preParsing', decodeContentEncoding);
}
