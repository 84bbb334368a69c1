/** The refusals a ledger store gives; each is decided before anything is written. */
import type { AgentmeshError} from '../../protocol/index.js';
import { Errors, invalidArgument, ErrorCodes } from '../../protocol/index.js';

export function insufficientCredits(tenant: string, available: number, needed: number): AgentmeshError {
  return Errors.insufficientCredits({ tenant, balance: available, needed });
}

export function reservationNotFound(key: string): AgentmeshError {
  return invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'key', `${JSON.stringify(key)} names no reservation`);
}

export function keyTaken(key: string): AgentmeshError {
  return invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'key', `${JSON.stringify(key)} already names another reservation`);
}

export function referenceTaken(reference: string, tenant: string, amount: number): AgentmeshError {
  return invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'reference', `${JSON.stringify(reference)} was already used for a top-up of ${amount} milli-credits to ${tenant}; use a new reference for a new top-up`);
}
