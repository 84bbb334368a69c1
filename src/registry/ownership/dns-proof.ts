import { readOwnershipTxt, ownershipTxtName } from './txt-record.js';
import { refusedProof, type ProofResult } from './proof-result.js';
import { errorCode } from '../../protocol/index.js';

/** What the DNS check asks: `node:dns/promises`' `Resolver` (servers and timeout set by the registry's config) answers it. */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** Answers that say the name or its TXT records do not exist: the owner has not published the record (yet). */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * The DNS method: a TXT record at `_agentmesh.<domain>` whose tag list
 * carries the token this registry issued for the record (`txt-record.ts`).
 * Only a TXT record that starts `v=agentmesh1` is read; several may be
 * published (one per agent of the domain), and one that matches is enough.
 * The name not existing, or holding no such record, refuses the claim; a
 * lookup that did not complete (timeout, SERVFAIL, refused) says nothing.
 */
export async function dnsProof(resolver: TxtResolver, domain: string, agent: string, token: string): Promise<ProofResult> {
  const name = ownershipTxtName(domain);
  let records: string[][];
  try {
    records = await resolver.resolveTxt(name);
  } catch (err) {
    const code = errorCode(err) ?? 'EUNKNOWN';
    if (ABSENT.has(code)) return refusedProof('dns', `no TXT record at ${name}`);
    return refusedProof('dns', `the TXT lookup of ${name} did not complete (${code})`, true);
  }
  const problems: string[] = [];
  for (const strings of records) {
    const txt = readOwnershipTxt(strings.join(''));
    if (txt.kind === 'other') continue;
    if (txt.kind === 'invalid') problems.push(`a v=agentmesh1 record is invalid: ${txt.reason}`);
    else if (txt.agent !== undefined && txt.agent !== agent) problems.push(`a record names agent ${JSON.stringify(txt.agent)}, not ${JSON.stringify(agent)}`);
    else if (txt.token !== token) problems.push('a record carries another token than the one issued for this agent');
    else return { method: 'dns', ok: true };
  }
  if (problems.length === 0) return refusedProof('dns', `no v=agentmesh1 TXT record at ${name}`);
  return refusedProof('dns', `no TXT record at ${name} carries this agent's token (${[...new Set(problems)].join('; ')})`);
}
