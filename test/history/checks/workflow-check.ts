import type { z } from 'zod';
import { effectsSchema, F, runSchema, stepEffectSchema } from '../history-format.js';
import type { Operation } from '../history-ops.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';

/**
 * Property 4 (test/history/README.md, "Workflow steps"): each step of a run has at most one effect in
 * the external ledger, whatever crashed and retried; each step of a completed run has exactly one,
 * and the result the run reported for it is that effect's. A step that asked the run's client acted on
 * the answer the client gave that step: its effect id ends ` answered <answer>` (test/nemesis/ledger-agent.ts).
 */
export function checkWorkflow(operations: readonly Operation[]): PropertyResult {
  const anomalies: Anomaly[] = [];
  // run → step → effect id → the first operation that showed it.
  const ledger = new Map<string, Map<string, Map<string, number>>>();
  const note = (runId: string, step: string, effectId: string, at: number): void => {
    let steps = ledger.get(runId);
    if (steps === undefined) ledger.set(runId, (steps = new Map()));
    let effects = steps.get(step);
    if (effects === undefined) steps.set(step, (effects = new Map()));
    if (!effects.has(effectId)) effects.set(effectId, at);
  };
  const runs: Array<z.infer<typeof runSchema> & { at: number }> = [];
  for (const operation of operations) {
    if (operation.type !== 'ok') continue;
    const at = operation.completion!.index;
    if (operation.f === F.stepEffect) {
      const parsed = stepEffectSchema.safeParse(operation.value);
      if (parsed.success) note(parsed.data.runId, parsed.data.step, parsed.data.effectId, at);
      else anomalies.push({ kind: 'malformed', ops: [at], explanation: 'a step-effect value is not of its shape' });
    } else if (operation.f === F.effects) {
      const parsed = effectsSchema.safeParse(operation.value);
      if (parsed.success) for (const e of parsed.data.effects) note(parsed.data.runId, e.step, e.effectId, at);
      else anomalies.push({ kind: 'malformed', ops: [at], explanation: 'an effects value is not of its shape' });
    } else if (operation.f === F.run) {
      const parsed = runSchema.safeParse(operation.value);
      if (parsed.success) runs.push({ ...parsed.data, at });
      else anomalies.push({ kind: 'malformed', ops: [at], explanation: 'a run value is not of its shape' });
    }
  }
  let steps = 0;
  for (const [runId, bySteps] of ledger) {
    for (const [step, effects] of bySteps) {
      steps += 1;
      if (effects.size > 1) anomalies.push({ kind: 'step-effect-twice', key: runId, ops: [...effects.values()], explanation: `step ${step} has ${effects.size} effects in the ledger (${[...effects.keys()].join(', ')}): it ran more than once` });
    }
  }
  const completed = runs.filter((run) => run.status === 'completed');
  for (const run of completed) {
    for (const { step, effectId } of run.steps) {
      const effects = ledger.get(run.runId)?.get(step);
      if (effects === undefined || effects.size === 0) anomalies.push({ kind: 'step-effect-missing', key: run.runId, ops: [run.at], explanation: `the completed run reports step ${step} but the ledger has no effect of it` });
      else if (!effects.has(effectId)) anomalies.push({ kind: 'step-result-mismatch', key: run.runId, ops: [run.at, ...effects.values()], explanation: `the run reports effect ${effectId} for step ${step}; the ledger holds ${[...effects.keys()].join(', ')}` });
    }
    for (const { step, text } of run.answers ?? []) {
      const reported = run.steps.find((s) => s.step === step);
      if (reported === undefined || !reported.effectId.endsWith(` answered ${text}`)) {
        const acted = reported === undefined ? 'reports no result for it' : `reports effect ${reported.effectId}`;
        anomalies.push({ kind: 'answer-not-taken', key: run.runId, ops: [run.at], explanation: `step ${step} asked and was answered "${text}"; the completed run ${acted}` });
      }
    }
  }
  const asked = completed.filter((run) => (run.answers ?? []).length > 0);
  const answers = asked.reduce((sum, run) => sum + (run.answersSent ?? 0), 0);
  const summary = `${runs.length} runs (${completed.length} completed, ${asked.length} of them answered questions: ${answers} answers sent), ${steps} steps in the ledger`;
  return result('workflow', 'Workflow steps take effect exactly once', summary, anomalies);
}
