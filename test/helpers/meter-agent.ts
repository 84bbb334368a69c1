import type { AgentDefinition } from '../../src/runtime/index.js';
import { oneSkillAgent } from './one-skill-agent.js';

/** What the meter's `tick` holds per call (its creditsPerCall), milli-credits. */
export const METER_PRICE = 2_000;
/** What each tick reports using, milli-credits: less than it holds, so its settlement charges this and releases the rest. */
export const METER_USED = 1_500;

/**
 * The agent `meter` of the settlement tests: its one skill, `tick`, priced
 * {@link METER_PRICE} a call, answers `tick <text>` and reports
 * {@link METER_USED} of usage. With `progress`, it reports a progress update
 * first, so a streamed call has an event before its task ends.
 */
export function meterAgent(options: { progress: boolean }): AgentDefinition {
  return oneSkillAgent({ name: 'meter', description: 'Does a little work and reports its usage', creditsPerCall: METER_PRICE / 1000 }, 'tick', {
    description: 'One tick of work',
    handler: async (text: string, ctx) => {
      if (options.progress) ctx.progress('ticking');
      ctx.usage({ credits: METER_USED / 1000 });
      return `tick ${text}`;
    },
  });
}
