import type { Message } from '@a2a-js/sdk';
import { invalidParams, isRecord } from '../../protocol/index.js';

/** The message metadata key a client names its target with. */
export const ROUTE_METADATA_KEY = 'agentmesh.route';

/**
 * What a client may ask of the router in `message.metadata['agentmesh.route']`:
 * an agent by name, a skill id, tags — any combination. `agent` decides
 * alone (with `skill` choosing its skill); otherwise `skill` and `tags`
 * narrow the candidates, and the message text ranks them.
 */
export interface RouteRequest {
  agent?: string;
  skill?: string;
  tags?: string[];
}

const FIELD = `message.metadata["${ROUTE_METADATA_KEY}"]`;
const NAME = /^[a-z0-9][a-z0-9-_]{0,62}$/i;
const MAX_TAGS = 10;
const KEYS = new Set(['agent', 'skill', 'tags']);

/**
 * Reads and checks the route metadata of a message; undefined when there is
 * none. Rules: an object; only `agent`, `skill`, `tags`; `agent` an agent
 * name (as the registry spells names); `skill` a non-empty string of at most
 * 128 characters; `tags` 1–10 non-empty strings of at most 64 characters.
 *
 * @throws AgentmeshError `AM_ERR_PROTOCOL_INVALID_PARAMS` naming the offending field.
 */
export function parseRouteRequest(message: Message): RouteRequest | undefined {
  const raw: unknown = message.metadata?.[ROUTE_METADATA_KEY];
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) throw invalidParams(FIELD, 'must be an object { agent?, skill?, tags? }');
  const unknown = Object.keys(raw).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw invalidParams(`${FIELD}.${unknown[0]}`, 'is not a route field; use agent, skill or tags');
  const { agent, skill, tags } = raw;
  const route: RouteRequest = {};
  if (agent !== undefined) {
    if (typeof agent !== 'string' || !NAME.test(agent)) throw invalidParams(`${FIELD}.agent`, 'must be an agent name (1-63 letters, digits, - or _)');
    route.agent = agent;
  }
  if (skill !== undefined) {
    if (typeof skill !== 'string' || skill.trim() === '' || skill.length > 128) throw invalidParams(`${FIELD}.skill`, 'must be a skill id (a non-empty string of at most 128 characters)');
    route.skill = skill;
  }
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length === 0 || tags.length > MAX_TAGS) throw invalidParams(`${FIELD}.tags`, `must be an array of 1 to ${MAX_TAGS} tags`);
    for (const [i, tag] of tags.entries()) {
      if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 64) throw invalidParams(`${FIELD}.tags[${i}]`, 'must be a non-empty string of at most 64 characters');
    }
    route.tags = [...new Set(tags as string[])];
  }
  return route.agent === undefined && route.skill === undefined && route.tags === undefined ? undefined : route;
}
