/*
 * Normal forms the dedupe compares, so that spelling noise that never tells
 * two people apart does not count: case, accents, punctuation, honorifics,
 * name order ("Doe, Jane"), legal suffixes ("Acme Inc." = "ACME"), plus tags
 * and Gmail dots in addresses.
 */

const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'madam', 'jr', 'sr']);
const LEGAL_SUFFIXES = new Set(['inc', 'incorporated', 'llc', 'llp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'gmbh', 'ag', 'sa', 'sas', 'plc', 'bv', 'nv', 'srl', 'spa', 'pty', 'oy', 'ab', 'kg', 'the']);
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

function words(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
}

/** A person's name as sorted lowercase tokens without honorifics: "Dr. Jane  Doe" and "doe, jane" both give "doe jane". */
export function normalizeName(name: string): string {
  return words(name)
    .filter((w) => !HONORIFICS.has(w))
    .sort()
    .join(' ');
}

/** A company name without legal form or punctuation: "The Acme Corp." gives "acme". */
export function normalizeCompany(company: string): string {
  const tokens = words(company);
  const core = tokens.filter((w) => !LEGAL_SUFFIXES.has(w));
  // "The Company" stripped to nothing would match every other empty name.
  return (core.length > 0 ? core : tokens).join(' ');
}

/** A mailbox as delivered: lowercase, without "+tag", without dots for Gmail. Empty when not an address. */
export function normalizeEmail(email: string): string {
  const at = email.trim().toLowerCase().lastIndexOf('@');
  if (at <= 0) return '';
  const address = email.trim().toLowerCase();
  let local = address.slice(0, at).replace(/\+.*$/, '');
  let domain = address.slice(at + 1);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replace(/\./g, '');
    domain = 'gmail.com';
  }
  return local === '' || domain === '' ? '' : `${local}@${domain}`;
}
