import { defineAgent, type SkillContext } from '../../src/runtime/index.js';

/**
 * An agent whose skill `note` answers who called it, and through whom
 * (tenant, caller id, actor chain): what delegation tests read to see a
 * run acted for its caller.
 */
export function callerRecorder() {
  return defineAgent({
    card: { name: 'recorder', description: 'Records who called' },
    skills: {
      note: {
        description: 'Records the caller',
        handler: async (_input: unknown, ctx: SkillContext) => ({ tenant: ctx.tenant, caller: ctx.caller.id, actors: ctx.caller.actors ?? [] }),
      },
    },
  });
}
