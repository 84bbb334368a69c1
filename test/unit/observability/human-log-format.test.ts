/**
 * Log lines for people (src/observability/human-log-format.ts): what a line
 * shows, that it shows no more than the JSON line (redaction happens first),
 * and that no input makes it throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createLogger } from '../../../src/observability/logger.js';
import { defaultLogFormat, formatLogLine } from '../../../src/observability/human-log-format.js';

describe('human log format', () => {
  it('prints time, level, component/module, message and the other fields as key=value', () => {
    const time = new Date(2026, 10, 23, 9, 5, 7).getTime();
    const line = formatLogLine(JSON.stringify({ level: 40, time, pid: 1, hostname: 'h', name: 'agentmesh', component: 'gateway', module: 'identity', msg: 'generated a secret', file: '/var/lib/x secret', port: 4200, nested: { a: 1 } }), { color: false });
    assert.equal(line, '09:05:07 WARN  gateway/identity  generated a secret  file="/var/lib/x secret" port=4200 nested={"a":1}\n');
  });

  it('prints an error with its stack, indented under the line', () => {
    const line = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'gateway call failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' } }), { color: false });
    assert.match(line, /ERROR {2}gateway call failed\n {2}Error: boom\n {6}at f \(x\.js:1:1\)\n$/);
  });

  it('prints an agentmesh error (a named condition) by its message and causes, without the frames', () => {
    const stack = 'AgentmeshError: cannot reach the registry at http://localhost:4100: timed out\n    at raise (declare.ts:118:12)\n    at RegistryClient.send (registry-client.ts:225:13)\ncaused by: TimeoutError: The operation was aborted due to timeout\n    at signal (node:internal:1:1)';
    const line = formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'registration failed; retrying', err: { type: 'AgentmeshError', code: 'AM_ERR_REGISTRY_UNREACHABLE', message: 'cannot reach the registry at http://localhost:4100: timed out', stack } }), { color: false });
    assert.match(line, /WARN {3}registration failed; retrying\n {2}AgentmeshError: cannot reach the registry at http:\/\/localhost:4100: timed out\n {2}caused by: TimeoutError: The operation was aborted due to timeout\n$/);
  });

  it('passes a line that is not a JSON object through unchanged', () => {
    assert.equal(formatLogLine('plain text', { color: false }), 'plain text\n');
    assert.equal(formatLogLine('[1,2]', { color: false }), '[1,2]\n');
  });

  it('shows no more than the JSON line: credentials are redacted before formatting', () => {
    const written: string[] = [];
    const logger = createLogger({ format: 'pretty', destination: { write: (s: string) => void written.push(s) } as never });
    logger.info({ token: 'tkn-123', headers: { authorization: 'Bearer abc' }, url: 'http://h/x?access_token=qwe' }, 'call');
    const out = written.join('');
    assert.match(out, /INFO +call/);
    for (const secret of ['tkn-123', 'Bearer abc', 'qwe']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  });

  it('in code, with no format asked for: pretty on a terminal, JSON elsewhere (the CLI always asks)', () => {
    assert.equal(defaultLogFormat({ isTTY: false }), 'json');
    assert.equal(defaultLogFormat({ isTTY: true }), 'pretty');
  });

  it('never throws, and gives one line per entry without an error, whatever the JSON', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (entry) => {
        const { err: _err, ...rest } = entry as Record<string, unknown>;
        const line = formatLogLine(JSON.stringify(rest), { color: true });
        assert.ok(line.endsWith('\n'));
      }),
      { numRuns: 300 },
    );
  });
});
