/**
 * A store's transient outage (PostgreSQL refused, timed out, busy) reaches a
 * caller as such in every binding: retryable, without the store's address or
 * words, which stay in the log. The v1.0 HTTP+JSON and JSON-RPC forms are
 * pinned in test/unit/http/render-http-error.test.ts; these are the v0.3
 * JSON-RPC form (through the SDK's v0.3 transport) and gRPC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRPC_STATUS_CODE } from '@a2a-js/sdk/errors/grpc';
import { Errors } from '../../../src/protocol/error-messages.js';
import { toSdkError } from '../../../src/protocol/wire-errors.js';
import { toGrpcError } from '../../../src/runtime/transports/grpc-errors.js';

const outage = () => Errors.postgresConnectionFailed({ reason: 'connect ECONNREFUSED 10.0.0.7:5432' });

test("a store's outage on the v0.3 JSON-RPC binding says to retry, not Internal error, without the store's words", () => {
  const sdk = toSdkError(outage());
  assert.equal(sdk.message, 'A store this call needs is unavailable right now; retry shortly');
  assert.equal(toSdkError(Errors.migrationFailed({ migration: '0016', reason: 'relation exists', hint: '' })).message, 'Internal error', 'a failure retrying will not fix says no more than before');
});

test("a store's outage on gRPC is UNAVAILABLE and says to retry, without the store's words", () => {
  const { error, normalized } = toGrpcError(outage());
  assert.equal(normalized.code, 'AM_ERR_STORAGE_UNAVAILABLE');
  assert.equal((error as unknown as { status: number }).status, GRPC_STATUS_CODE.UNAVAILABLE);
  assert.equal(error.message, 'A store this call needs is unavailable right now; retry shortly');
  assert.doesNotMatch(error.message, /10\.0\.0\.7|ECONNREFUSED/);
});
