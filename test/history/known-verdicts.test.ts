import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { knossosToHistory } from './converters/knossos-history.js';
import { etcdLogToHistory, kvLogToHistory } from './converters/porcupine-logs.js';
import { pairHistory } from './history-ops.js';
import { checkByKey } from './linearizability/check-by-key.js';
import { kvOpsByKey, registerOpsByKey } from './linearizability/register-history.js';
import { casRegisterModel, kvModel } from './linearizability/register-models.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const VERDICTS = JSON.parse(readFileSync(join(FIXTURES, 'porcupine', 'verdicts.json'), 'utf8')) as { etcd: Record<string, boolean>; kv: Record<string, boolean> };

describe('the Wing–Gong search agrees with the known verdicts', () => {
  for (const dir of ['good', 'bad'] as const) {
    it(`${dir === 'good' ? 'passes every Knossos cas-register/good history' : 'flags every Knossos cas-register/bad history as not linearizable'}`, () => {
      const files = readdirSync(join(FIXTURES, 'knossos', 'cas-register', dir)).filter((f) => f.endsWith('.edn'));
      assert.equal(files.length, dir === 'good' ? 113 : 7);
      const wrong = files.filter((file) => {
        const { operations } = pairHistory(knossosToHistory(readFileSync(join(FIXTURES, 'knossos', 'cas-register', dir, file), 'utf8')));
        const { verdict } = checkByKey(() => casRegisterModel(0), registerOpsByKey(operations));
        return verdict !== (dir === 'good' ? 'linearizable' : 'not-linearizable');
      });
      assert.deepEqual(wrong, []);
    });
  }

  it('gives each of Porcupine\'s etcd logs its verdict', () => {
    const wrong = Object.entries(VERDICTS.etcd).filter(([file, linearizable]) => {
      const { operations } = pairHistory(etcdLogToHistory(readFileSync(join(FIXTURES, 'porcupine', 'jepsen', file), 'utf8')));
      const { verdict } = checkByKey(() => casRegisterModel(null), registerOpsByKey(operations));
      return verdict !== (linearizable ? 'linearizable' : 'not-linearizable');
    });
    assert.equal(Object.keys(VERDICTS.etcd).length, 102);
    assert.deepEqual(wrong, []);
  });

  it('answers unknown, never a pass, when the search runs out of budget', () => {
    const { operations } = pairHistory(etcdLogToHistory(readFileSync(join(FIXTURES, 'porcupine', 'jepsen', 'etcd_002.log'), 'utf8')));
    const { verdict, results } = checkByKey(() => casRegisterModel(null), registerOpsByKey(operations), { budget: { maxSteps: 1000 } });
    assert.equal(verdict, 'unknown');
    assert.match(results[0]!.result.verdict === 'unknown' ? results[0]!.result.reason : '', /search budget exhausted: 1000 steps/);
  });

  it('names the operation that no order can fit', () => {
    const { operations } = pairHistory(knossosToHistory(readFileSync(join(FIXTURES, 'knossos', 'cas-register', 'bad', 'rethink-fail-minimal.edn'), 'utf8')));
    const { results } = checkByKey(() => casRegisterModel(0), registerOpsByKey(operations));
    const result = results[0]!.result;
    assert.equal(result.verdict, 'not-linearizable');
    // The read of 3 (invoked at index 2, answered at 4) while the register held 0 or 4.
    assert.deepEqual(result.verdict === 'not-linearizable' ? result.stuck : [], [2]);
  });

  for (const [file, linearizable] of Object.entries(VERDICTS.kv)) {
    it(`finds Porcupine's key-value ${file} ${linearizable ? 'linearizable' : 'not linearizable'}`, () => {
      const { operations } = pairHistory(kvLogToHistory(readFileSync(join(FIXTURES, 'porcupine', 'kv', file), 'utf8')));
      const { verdict, results } = checkByKey(() => kvModel, kvOpsByKey(operations), { stopAtFirstViolation: true });
      assert.equal(verdict, linearizable ? 'linearizable' : 'not-linearizable');
      assert.ok(results.length >= 1);
    });
  }
});
