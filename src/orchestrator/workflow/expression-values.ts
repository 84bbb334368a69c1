import canonicalize from 'canonicalize';
import { isRecord } from '../../protocol/index.js';

/**
 * What expressions may read and build: JSON-shaped data. Reading is limited
 * to own properties of plain objects, arrays and strings, so nothing reaches
 * a prototype (`constructor`, `__proto__`) and no function is ever a value.
 */

/** Names an expression may never read or write, whatever the object. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * An own member of a plain object, an array or a string (an index, `length`),
 * never one of its prototype's: what an expression may read.
 */
export function ownMember(value: Record<string, unknown> | readonly unknown[] | string, key: string): unknown {
  if (isRecord(value)) return Object.hasOwn(value, key) ? value[key] : undefined;
  // A list's or a string's own members are its indices and its length.
  return Object.hasOwn(Object(value), key) ? (key === 'length' ? value.length : value[Number(key)]) : undefined;
}

/** `a string`, `an array`, `null`… for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'a missing value';
  if (Array.isArray(value)) return 'an array';
  if (isPlainObject(value)) return 'an object';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object that is not plain data';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * Deep equality on JSON values (no coercion): arrays item by item, objects
 * key by key. `undefined` and `null` are equal only when `loose`, so a
 * missing value `== null`.
 */
export function jsonEquals(a: unknown, b: unknown, loose = false): boolean {
  if (loose && (a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEquals(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
  }
  return false;
}

/** A stable string per JSON value, for `unique`. */
export function jsonKey(value: unknown): string {
  return value === undefined ? 'undefined' : (canonicalize(value) ?? 'undefined');
}

/**
 * The value as JSON would carry it: `undefined` becomes `null` at any depth
 * (a missing value renders as null). Returns the same reference when there
 * is nothing to replace, so large lists are not copied for nothing.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (!needsNormalizing(value)) return value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  return isRecord(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)])) : value;
}

function needsNormalizing(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.some(needsNormalizing);
  if (isPlainObject(value)) return Object.values(value).some(needsNormalizing);
  return false;
}

/** How a value reads inside text: strings as is, null and missing as nothing, others as JSON. */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(toJsonValue(value));
}
