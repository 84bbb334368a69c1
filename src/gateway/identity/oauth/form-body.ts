import type { FastifyInstance } from 'fastify';
import { Errors, toError } from '../../../protocol/index.js';

/** Parameters of a form-encoded OAuth request. */
export type FormParams = Readonly<Record<string, string>>;

/** OAuth requests are small; a larger body is not a token request. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Parses `application/x-www-form-urlencoded` (RFC 6749 Appendix B). A
 * parameter sent twice is refused (RFC 6749 §3.1/§3.2: "MUST NOT be
 * included more than once"), as is a parameter without a name.
 */
export function parseForm(body: string): FormParams {
  // No prototype: a parameter named `constructor` or `__proto__` is a parameter like any other.
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    if (name === '') throw Errors.oauthFormNamelessParameter({});
    if (Object.hasOwn(params, name)) throw Errors.oauthFormRepeatedParameter({ name });
    params[name] = value;
  }
  return params;
}

/** Registers the form parser in `scope` (an encapsulated plugin: the rest of the app is unaffected). */
export function registerFormParser(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_FORM_BYTES }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (err) {
      done(toError(err), undefined);
    }
  });
}
