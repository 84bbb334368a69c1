import { randomBytes } from 'node:crypto';

/** Prefix of OAuth client ids. */
export const CLIENT_ID_PREFIX = 'amc_';
/** Prefix of client secrets: secret scanners (GitHub, gitleaks) can be taught it. */
export const CLIENT_SECRET_PREFIX = 'amcs_';
/** Prefix of API key ids, and of the keys themselves (`amk_<id>_<secret>`). */
export const API_KEY_PREFIX = 'amk_';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 20;

/** 20 characters from [a-z0-9]: ~103 bits, unique without coordination. */
function randomId(): string {
  const bytes = randomBytes(ID_LENGTH);
  let out = '';
  // 256 % 36 = 4: the bias is below 2 % per character, irrelevant for an identifier.
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

/** A new client id, `amc_<20 chars>`. */
export const newClientId = (): string => CLIENT_ID_PREFIX + randomId();

/** A new client secret: 256 random bits, `amcs_<43 base64url chars>`. */
export const newClientSecret = (): string => CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');

/** A new API key id, `amk_<20 chars>`. */
export const newApiKeyId = (): string => API_KEY_PREFIX + randomId();

/** The secret part of an API key: 256 random bits, base64url. */
export const newApiKeySecret = (): string => randomBytes(32).toString('base64url');

/** The API key a caller sends: `amk_<id>_<secret>` (the id already carries `amk_`). */
export const formatApiKey = (id: string, secret: string): string => `${id}_${secret}`;

const API_KEY_RE = /^(amk_[a-z0-9]{20})_([A-Za-z0-9_-]{43})$/;

/** Splits a presented API key into id and secret, or undefined when it is not one. */
export function parseApiKey(value: string): { id: string; secret: string } | undefined {
  const match = API_KEY_RE.exec(value);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** True when `value` looks like a client id we issue (cheap pre-check before a lookup). */
export const isClientId = (value: string): boolean => /^amc_[a-z0-9]{20}$/.test(value);

/** True when `value` looks like an API key id. */
export const isApiKeyId = (value: string): boolean => /^amk_[a-z0-9]{20}$/.test(value);
