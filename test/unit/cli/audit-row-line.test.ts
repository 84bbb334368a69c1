import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuditRow } from '../../../src/contracts/audit/index.js';
import { auditRowLine } from '../../../src/cli/commands/audit/audit-row-line.js';

const base: AuditRow = { seq: 12, time: '2026-08-14T09:12:01.532Z', eventType: 'a2a.call', actor: { kind: 'client', id: 'amc_orchestrator' }, outcome: 'ok', prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) };

describe('an audit row as a line for people', () => {
  test('a delegated call names the agent and skill, the tenant, who called for whom, the credits and the time it took', () => {
    const row: AuditRow = { ...base, targetAgent: 'legal', skill: 'review-contract', tenant: 'demo', user: 'amc_demo', milliCredits: 2000, durationMs: 35, taskId: 't-1', inputHash: 'c'.repeat(64) };
    assert.equal(auditRowLine(row), '12  2026-08-14T09:12:01.532Z  a2a.call  ok  legal/review-contract  tenant demo  client amc_orchestrator for amc_demo  2.000 credits  35 ms');
  });

  test('a refused call names its error code; an anonymous actor has no id', () => {
    const row: AuditRow = { ...base, eventType: 'auth.denied', actor: { kind: 'anonymous' }, targetAgent: 'echo', outcome: 'denied', errorCode: 'AM_ERR_AUTH_TOKEN_MISSING' };
    assert.equal(auditRowLine(row), '12  2026-08-14T09:12:01.532Z  auth.denied  denied  echo  anonymous  AM_ERR_AUTH_TOKEN_MISSING');
  });

  test('whatever text a caller got stored, the line is one line with no control character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (agent, tenant, user) => {
        const line = auditRowLine({ ...base, targetAgent: agent, tenant, user });
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      }),
    );
    assert.match(auditRowLine({ ...base, targetAgent: 'evil\u001b[2J\nseq 13 forged' }), /evil\\u001b\[2J\\u000aseq 13 forged/);
  });
});
