/**
 * readRestError reads back the code and message of either error body
 * agentmesh writes over HTTP: its HTTP APIs' (renderHttpError: the code as
 * the agentmesh.dev reason) and the A2A REST binding's (toRestError: the
 * reason without its prefix, the code in the ErrorInfo's metadata). A client
 * of either (the CLI, the registry client) acts on the code: a 503 it may
 * retry, a hint for an unknown client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderHttpError } from '../../../src/http/errors/render-http-error.js';
import { AgentmeshError, ErrorCodes, type ErrorCode } from '../../../src/protocol/errors.js';
import { readRestError } from '../../../src/protocol/rest-error-body.js';
import { toRestError } from '../../../src/protocol/wire-errors.js';

const CODES = Object.values(ErrorCodes) as ErrorCode[];

describe('readRestError', () => {
  it("reads back every code, exposed, from both bodies agentmesh writes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODES), fc.string({ maxLength: 40 }), (code, text) => {
        const error = new AgentmeshError(code, `message ${text}`, { expose: true });
        for (const [form, body] of [
          ['HTTP API', renderHttpError(error, 'req-1').body],
          ['A2A REST binding', toRestError(error, 'req-1').body],
        ] as const) {
          const read = readRestError(JSON.stringify(body));
          assert.equal(read?.code, code, `${form}: ${JSON.stringify(body)}`);
          assert.equal(read?.message, `message ${text}`, form);
        }
      }),
    );
  });

  it('names no code, and never throws, for any other JSON or text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        const read = readRestError(text);
        if (read !== undefined) assert.ok(read.code === undefined || CODES.includes(read.code));
      }),
    );
    assert.equal(readRestError('<html>502 Bad Gateway</html>'), undefined);
    assert.deepEqual(readRestError('{"error":{"code":503,"message":"busy","details":[{"reason":"AM_ERR_NO_SUCH","domain":"agentmesh.dev"}]}}'), { code: undefined, message: 'busy', violations: [] });
  });
});
