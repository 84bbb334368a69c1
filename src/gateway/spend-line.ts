import type { LeaseSpend } from '../tenancy/index.js';

/** A string JSON.stringify writes as it is, quoted: none of `"`, `\`, a control character or a surrogate (a lone one is escaped). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function jsonNumber(value: number): string {
  // As JSON.stringify: a number that is not finite is null (the replay skips such a line, as it did).
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * The answer journal's settlement line, `["S",lease,[key,tenant,agent,skill,clientId,held,charged,requested,state,createdAt]]`
 * (ADR 0063), the same text `JSON.stringify` writes for those values. Written for every settled call:
 * the lease, the tenant, agent, skill and client, the state and the time repeat from one call to the
 * next, so their JSON is kept from the last line and only what differs is written anew (one
 * `JSON.stringify` of the line's nested arrays cost more than the rest of a settlement; docs/perf-journal/gateway-and-fleet-2026-11-28.md, "Per-call cuts on an Intel host").
 */
export class SpendLines {
  #lease: string | undefined;
  #leaseJson = '';
  #tenant: string | undefined;
  #agent: string | undefined;
  #skill: string | undefined;
  #clientId: string | null | undefined;
  #partiesJson = '';
  #state: string | null | undefined;
  #stateJson = '';
  #createdAt = Number.NaN;
  #createdAtJson = 'null';

  line(leaseKey: string, spend: LeaseSpend): string {
    if (leaseKey !== this.#lease) {
      this.#lease = leaseKey;
      this.#leaseJson = jsonString(leaseKey);
    }
    const clientId = spend.clientId ?? null;
    if (spend.tenant !== this.#tenant || spend.agent !== this.#agent || spend.skill !== this.#skill || clientId !== this.#clientId) {
      this.#tenant = spend.tenant;
      this.#agent = spend.agent;
      this.#skill = spend.skill;
      this.#clientId = clientId;
      this.#partiesJson = `${jsonString(spend.tenant)},${jsonString(spend.agent)},${jsonString(spend.skill)},${clientId === null ? 'null' : jsonString(clientId)}`;
    }
    const state = spend.state ?? null;
    if (state !== this.#state) {
      this.#state = state;
      this.#stateJson = state === null ? 'null' : jsonString(state);
    }
    // Object.is: a NaN (written null) is the last one's too.
    if (!Object.is(spend.createdAt, this.#createdAt)) {
      this.#createdAt = spend.createdAt;
      this.#createdAtJson = jsonNumber(spend.createdAt);
    }
    return `["S",${this.#leaseJson},[${jsonString(spend.key)},${this.#partiesJson},${jsonNumber(spend.held)},${jsonNumber(spend.charged)},${jsonNumber(spend.requested)},${this.#stateJson},${this.#createdAtJson}]]`;
  }
}
