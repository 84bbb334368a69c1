import type { SkillContext } from 'agentmesh';
import { messageText } from './message-text.js';

/**
 * Asks the user for what a text request left out (the contract to review,
 * the line items to price) and returns the text of the answer. The task is
 * input-required meanwhile, so a client, or the router, can answer on it.
 */
export async function askText(ctx: SkillContext, question: string): Promise<string> {
  const answer = await ctx.requestInput(question);
  return messageText(answer).trim();
}
