import { AgentmeshError, ErrorCodes } from '../protocol/index.js';
import { openSealedValue } from './sealed-box.js';

/**
 * The keys a secret at rest may be sealed under while its secret is being
 * rotated: new values are sealed under `current`; a value still sealed under
 * `previous` opens too, until the rotation re-seals it.
 */
export interface SealingKeys {
  readonly current: Buffer;
  /** The key of the secret being retired (`*_SECRET_PREVIOUS`); unset outside a rotation. */
  readonly previous?: Buffer | undefined;
}

/** What {@link openWithKeys} opened, and under which key. */
export interface OpenedValue {
  readonly plaintext: Buffer;
  /** True when only the previous key opened it: a rotation still has to re-seal it. */
  readonly underPrevious: boolean;
}

/**
 * Opens a value sealed by `sealValue` under either key, the current one
 * first. Neither opening is AM_ERR_CONFIG_INVALID, the current key's error.
 *
 * @example
 * const { plaintext, underPrevious } = openWithKeys(keys, stored, `push-config:${taskId}/${id}`);
 */
export function openWithKeys(keys: SealingKeys, sealed: string, context: string): OpenedValue {
  try {
    return { plaintext: openSealedValue(keys.current, sealed, context), underPrevious: false };
  } catch (err) {
    if (keys.previous === undefined || !(err instanceof AgentmeshError) || err.code !== ErrorCodes.CONFIG_INVALID) throw err;
    try {
      return { plaintext: openSealedValue(keys.previous, sealed, context), underPrevious: true };
    } catch {
      throw err;
    }
  }
}

/** How far a rotation got over one kind of sealed row. */
export interface ResealCount {
  /** Rows looked at. */
  checked: number;
  /** Rows the current key opens already: nothing to do (a row sealed under neither key fails the walk). */
  underCurrent: number;
  /** Rows only the previous key opened (before re-sealing them). */
  underPrevious: number;
  /** Of those, rows now sealed under the current key (0 in a dry run). */
  resealed: number;
}
