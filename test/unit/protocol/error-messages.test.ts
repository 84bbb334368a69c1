/**
 * The error catalog (src/protocol/error-messages.ts): each error is declared
 * once, its template is filled from named values checked at compile time,
 * declared details reach the wire, and the code decides the wire mapping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Errors, WIRE, fillTemplate, isAgentmeshError } from '../../../src/protocol/index.js';

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

describe('error catalog', () => {
  it('fills every placeholder of every template and copies the declared details', () => {
    for (const [name, raise] of Object.entries(Errors)) {
      const names = [...raise.template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
      const values = Object.fromEntries(names.map((n) => [n, `<${n}>`]));
      const err = (raise as (v: Record<string, string>) => Error & { code: string; details?: Record<string, string> })(values);
      assert.ok(isAgentmeshError(err), name);
      assert.equal(err.code, raise.code, name);
      assert.doesNotMatch(err.message, PLACEHOLDER, `${name}: "${err.message}" still has a placeholder`);
      for (const n of names) assert.ok(err.message.includes(`<${n}>`), `${name}: value ${n} is not in the message`);
      for (const [key, value] of Object.entries(err.details ?? {})) assert.equal(value, values[key], `${name}: detail ${key}`);
    }
  });

  it('declares each message once', () => {
    const templates = Object.values(Errors).map((e) => e.template);
    assert.equal(new Set(templates).size, templates.length);
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
