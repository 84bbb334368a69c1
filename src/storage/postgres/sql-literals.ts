/**
 * SQL literals for the write batch's one multi-statement query (ADR 0022).
 * PostgreSQL's simple-query protocol runs several statements in one round
 * trip but takes no bind parameters, so values are written into the text.
 * Only three shapes are written: text as an escape string (`E'…'`, whose
 * rules do not depend on `standard_conforming_strings`), safe integers, and
 * NULL. A value that cannot be written safely throws
 * {@link UnwritableLiteral}; the batch then sends that write on its own,
 * with bind parameters, and PostgreSQL answers it as it always did.
 */

/** A value the batch cannot inline: the write goes alone, parameterized. */
export class UnwritableLiteral extends Error {}

/**
 * Text as `E'…'`: a backslash doubled, a quote doubled. A NUL would end the
 * protocol's C string early (the rest of the bytes would be read as the next
 * message), so text holding one is refused here; PostgreSQL refuses it in a
 * text column anyway.
 */
export function textLiteral(value: string | null): string {
  if (value === null) return 'NULL';
  if (value.includes('\u0000')) throw new UnwritableLiteral('text holds a NUL character');
  let body = value;
  if (body.includes('\\')) body = body.replaceAll('\\', '\\\\');
  if (body.includes("'")) body = body.replaceAll("'", "''");
  return `E'${body}'`;
}

/**
 * An integer as its digits; anything else (NaN, fractions, beyond 2^53) is
 * refused. A negative one is parenthesized: a bare `-5` binds looser than a
 * cast (`-5::bigint::text` is minus a text) and after a minus reads as a
 * comment (`held --5`).
 */
export function intLiteral(value: number | null): string {
  if (value === null) return 'NULL';
  if (!Number.isSafeInteger(value)) throw new UnwritableLiteral(`not a safe integer: ${String(value)}`);
  return value < 0 ? `(${value})` : String(value);
}
