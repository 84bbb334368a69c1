import type { SsrfGuard } from '../../http/index.js';
import type { AgentRecord, OwnershipClaim, OwnershipMethod, OwnershipStatus } from '../../contracts/registry/index.js';
import type { KeySetCache } from '../intake/index.js';
import { dnsProof, type TxtResolver } from './dns-proof.js';
import type { ProofResult } from './proof-result.js';
import { signatureProof } from './signature-proof.js';
import { wellKnownProof } from './well-known-proof.js';

/** The methods tried when a claim names none, in this order: the first that proves the claim is the one recorded. */
const METHODS: readonly OwnershipMethod[] = ['dns', 'well-known', 'signature'];

/** A verdict on a claim: what the record's `ownership` will say. */
export interface OwnershipVerdict {
  status: OwnershipStatus;
  method?: OwnershipMethod;
  reason?: string;
}

/** What the checks reach out through. */
export interface OwnershipVerifierOptions {
  resolver: TxtResolver;
  guard: SsrfGuard;
  keySets: KeySetCache;
  /** Time the well-known file's fetch may take, ms. */
  fetchTimeoutMs: number;
}

/**
 * Checks a record's ownership claim by the method it names, or by each in
 * turn. Verified when one method proves it; otherwise `unverified` when any
 * check could not complete (nothing was learned), else `refused`; the
 * reason names each method's. Never throws for what the owner published.
 */
export async function verifyOwnership(options: OwnershipVerifierOptions, record: AgentRecord, claim: OwnershipClaim, token: string): Promise<OwnershipVerdict> {
  const methods = claim.method === undefined ? METHODS : [claim.method];
  const failures: Array<Extract<ProofResult, { ok: false }>> = [];
  for (const method of methods) {
    const result = await prove(options, method, record, claim, token);
    if (result.ok) return { status: 'verified', method };
    failures.push(result);
  }
  return {
    status: failures.some((f) => f.retryable) ? 'unverified' : 'refused',
    reason: failures.map((f) => `${f.method}: ${f.reason}`).join('; '),
  };
}

function prove(options: OwnershipVerifierOptions, method: OwnershipMethod, record: AgentRecord, claim: OwnershipClaim, token: string): Promise<ProofResult> {
  switch (method) {
    case 'dns':
      return dnsProof(options.resolver, claim.domain, record.name, token);
    case 'well-known':
      return wellKnownProof(options.guard, record, claim, token, options.fetchTimeoutMs);
    case 'signature':
      return signatureProof(options.keySets, record, claim);
  }
}
