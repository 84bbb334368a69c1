import type { SkillContext } from '../../src/runtime/index.js';
import { oneSkillAgent } from './one-skill-agent.js';

/**
 * An agent whose skill `note` answers who called it, and through whom
 * (tenant, caller id, actor chain): what delegation tests read to see a
 * run acted for its caller.
 */
export function callerRecorder() {
  return oneSkillAgent({ name: 'recorder', description: 'Records who called' }, 'note', {
    description: 'Records the caller',
    handler: async (_input: unknown, ctx: SkillContext) => ({ tenant: ctx.tenant, caller: ctx.caller.id, actors: ctx.caller.actors ?? [] }),
  });
}
