/**
 * The error catalog (src/protocol/error-messages.ts and its areas in
 * error-catalog/): each error is declared once, every code it uses goes out
 * on the wire as WIRE says, its template is filled from named values checked
 * at compile time, and declared details reach the wire.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_AREAS, Errors, fillTemplate, invalidArgument, invalidParams, relayed } from '../../../src/protocol/error-messages.js';
import { ErrorCodes, WIRE, isAgentmeshError } from '../../../src/protocol/errors.js';

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

type Raise = (v: Record<string, string>) => Error & { code: string; details?: Record<string, string>; violations?: unknown[] };

describe('error catalog', () => {
  it('maps every code to the wire, and every entry uses a code of the table', () => {
    const unmapped = Object.values(ErrorCodes).filter((code) => !Object.hasOwn(WIRE, code));
    assert.deepEqual(unmapped, [], 'every code has a wire mapping');
    assert.deepEqual(Object.keys(WIRE).sort(), Object.values(ErrorCodes).sort(), 'WIRE maps exactly the codes');
    for (const [name, entry] of Object.entries(Errors)) assert.ok(Object.values(ErrorCodes).includes(entry.code), `${name}: ${entry.code} is not a code`);
  });

  it('fills every placeholder of every template and copies the declared details', () => {
    for (const [name, raise] of Object.entries(Errors)) {
      const names = [...raise.template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
      const values = Object.fromEntries(names.map((n) => [n, `<${n}>`]));
      const err = (raise as Raise)(values);
      assert.ok(isAgentmeshError(err), name);
      assert.equal(err.code, raise.code, name);
      assert.doesNotMatch(err.message, PLACEHOLDER, `${name}: "${err.message}" still has a placeholder`);
      for (const n of names) assert.ok(err.message.includes(`<${n}>`), `${name}: value ${n} is not in the message`);
      for (const [key, value] of Object.entries(err.details ?? {})) {
        if (Object.hasOwn(values, key)) assert.equal(value, values[key], `${name}: detail ${key}`);
      }
    }
  });

  it('declares each error once: no two entries share code and template, and no area repeats a name', () => {
    const seen = new Map<string, string>();
    for (const [name, entry] of Object.entries(Errors)) {
      const key = `${entry.code} ${entry.template}`;
      assert.equal(seen.get(key), undefined, `${name} repeats ${seen.get(key)}: ${key}`);
      seen.set(key, name);
    }
    const names = Object.values(ERROR_AREAS).flatMap((area) => Object.keys(area));
    assert.equal(new Set(names).size, names.length, `a name is declared in two areas: ${names.filter((n, i) => names.indexOf(n) !== i).join(', ')}`);
    assert.equal(names.length, Object.keys(Errors).length);
  });

  it('renders as before: message, details, exposure and the wire status of its code', () => {
    const err = Errors.taskNotFound({ taskId: 't-1' });
    assert.equal(err.message, 'Task t-1 was not found');
    assert.deepEqual(err.details, { taskId: 't-1' });
    assert.equal(err.statusCode, WIRE[err.code].http);
    assert.equal(err.statusCode, 404);
    const busy = Errors.noHealthyInstance({ agent: 'legal', why: 'no instance is registered' });
    assert.equal(busy.message, 'agent legal has no healthy instance: no instance is registered');
    assert.equal(busy.expose, true);
    assert.equal(busy.retryable, true);
    assert.deepEqual(busy.details, { agent: 'legal' });
  });

  it('lets a call site add details and a cause, and keeps the declared details', () => {
    const cause = new Error('socket hang up');
    const err = Errors.outboundRefused({ target: 'http://10.0.0.1/', reason: 'private address' }, { details: { rule: 'private' }, cause });
    assert.deepEqual(err.details, { rule: 'private', target: 'http://10.0.0.1/' });
    assert.equal(err.cause, cause);
  });

  it('adds the constant details of an entry, and a violation for the one field an entry is about', () => {
    const version = Errors.versionNotSupported({ requestedVersion: '2.0' });
    assert.deepEqual(version.details, { requestedVersion: '2.0', supportedVersions: '1.0,0.3' });
    const url = Errors.registryUrlNotHttp({});
    assert.deepEqual(url.violations, [{ field: 'url', description: url.message }]);
  });

  it('reads braces around anything but a name as text', () => {
    const err = Errors.workflowExpressionFailed({ expression: 'a + 1', where: '', reason: 'no a' });
    assert.equal(err.message, 'expression {{ a + 1 }} failed: no a');
  });

  it('checks value names at compile time', () => {
    // @ts-expect-error: taskNotFound's template names {taskId}, not {id}
    const wrong = Errors.taskNotFound({ id: 't-1' });
    assert.equal(wrong.message, 'Task {taskId} was not found', 'a missing value stays visible rather than printing "undefined"');
    // @ts-expect-error: a template without values takes none
    Errors.auditBehind({ extra: 'x' });
  });

  it('fillTemplate leaves unknown names and prototype names alone', () => {
    assert.equal(fillTemplate('a {x} b {constructor}', { x: 1 }), 'a 1 b {constructor}');
  });
});

describe('invalidArgument: the one refused-field error', () => {
  it('names the field in the message and in one violation', () => {
    const err = invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'to', 'must be after from');
    assert.equal(err.code, ErrorCodes.TENANCY_INVALID_ARGUMENT);
    assert.equal(err.message, 'to must be after from');
    assert.deepEqual(err.violations, [{ field: 'to', description: 'must be after from' }]);
    assert.equal(err.statusCode, 400);
  });

  it('words an A2A request param as A2A clients read it, as invalidParams does', () => {
    const err = invalidArgument(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'message.parts', 'must have at least one part');
    assert.equal(err.message, 'Invalid parameters: message.parts must have at least one part');
    assert.deepEqual(invalidParams('message.parts', 'must have at least one part'), err);
  });

  it('keeps the options a call site adds', () => {
    const err = invalidArgument(ErrorCodes.CONFIG_INVALID, 'ttlMs', 'must be positive', { expose: true });
    assert.equal(err.expose, true);
  });
});

describe('relayed: words someone else wrote, under our code', () => {
  it('keeps the message and the options as given', () => {
    const cause = new Error('upstream');
    const err = relayed(ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE, 'Unsupported Media Type: text/csv', { cause });
    assert.equal(err.message, 'Unsupported Media Type: text/csv');
    assert.equal(err.code, ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE);
    assert.equal(err.cause, cause);
  });
});
