import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { lazyChildLogger } from '../../../src/observability/lazy-child-logger.js';
import { memoryDestination } from '../../helpers/memory-log.js';

/** A logger writing JSON lines into memory (`lines()`, parsed), and a count of the children made from it. */
function capture(level: string): { parent: Logger; lines: () => Array<Record<string, unknown>>; children: () => number } {
  const { stream: destination, records } = memoryDestination();
  const parent = createLogger({ level, destination });
  let made = 0;
  // pino children inherit from their parent object, so this counts only the parent's own children.
  const original = parent.child;
  parent.child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    if (this === parent) made++;
    return original.apply(this, args);
  } as Logger['child'];
  return { parent, lines: records, children: () => made };
}

test('a line below the level makes no child and writes nothing', () => {
  const { parent, lines, children } = capture('warn');
  const log = lazyChildLogger(parent, { reqId: 'r1' });
  log.info({ a: 1 }, 'quiet');
  log.debug('quieter');
  assert.equal(log.isLevelEnabled('info'), false);
  assert.equal(log.level, 'warn');
  assert.equal(children(), 0);
  assert.equal(lines().length, 0);
});

test('a line at an enabled level carries the bindings and is redacted like any other', () => {
  const { parent, lines, children } = capture('warn');
  const log = lazyChildLogger(parent, { reqId: 'r1' });
  log.warn({ password: 'hunter2' }, 'first');
  log.error('second');
  assert.equal(children(), 1, 'one child, made once');
  assert.deepEqual(
    lines().map((l) => [l['msg'], l['reqId'], l['password']]),
    [
      ['first', 'r1', '[redacted]'],
      ['second', 'r1', undefined],
    ],
  );
});

test('the parent level is read when a line is written', () => {
  const { parent, lines } = capture('warn');
  const log = lazyChildLogger(parent, { reqId: 'r2' });
  parent.level = 'debug';
  log.debug('now enabled');
  assert.deepEqual(lines().map((l) => [l['msg'], l['reqId']]), [['now enabled', 'r2']]);
});

test('a child of it keeps its bindings; a level set on it applies to it alone', () => {
  const { parent, lines } = capture('warn');
  const log = lazyChildLogger(parent, { reqId: 'r3' });
  log.child({ taskId: 't1' }).warn('from the skill');
  log.level = 'info';
  log.info('request line');
  parent.info('parent stays at warn');
  assert.deepEqual(log.bindings(), { reqId: 'r3' });
  assert.deepEqual(
    lines().map((l) => [l['msg'], l['reqId'], l['taskId']]),
    [
      ['from the skill', 'r3', 't1'],
      ['request line', 'r3', undefined],
    ],
  );
});

test('options of its own (a route log level) make the real child at once', () => {
  const { parent, lines, children } = capture('warn');
  const log = lazyChildLogger(parent, { reqId: 'r4' }, { level: 'info' });
  assert.equal(children(), 1);
  log.info('route at info');
  assert.deepEqual(lines().map((l) => [l['msg'], l['reqId']]), [['route at info', 'r4']]);
});
