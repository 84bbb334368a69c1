import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/*
 * A type assertion (`value as Thing`) tells the compiler to stop checking: the
 * value is trusted to be what the cast says, and nothing notices when it is
 * not (a column renamed, a dependency's internals changed, hostile JSON). The
 * code base is cutting them; these counts keep it from growing them again.
 * They count assertions in the code, read by TypeScript's parser, so a
 * comment or a string that says "as JSON" is not one.
 */
const root = new URL('../../../', import.meta.url).pathname;

/** Assertions to a named type (`as Foo`, `as Record<…>`, `as NodeJS.ErrnoException`) at most: lower it when you remove some. */
const MAX_NAMED_ASSERTIONS = 86;

const HOW_TO_AVOID = `
Instead of a new cast:
- a caught error: errorMessage(err), errorCode(err), toError(err) (src/protocol/narrowing.ts);
- parsed JSON or a column: isRecord(value), isStringArray(value), oneOf(values, value), or a
  type guard of your own (function isX(value: unknown): value is X) that checks what it claims;
- an answer a schema describes: validate it and let the validator be the guard (the ACP
  document's conforms(), a zod schema's parse());
- a library's typed API: its generics (better-sqlite3's prepare<Params, Row>, inject().json<T>()),
  the metric's class for instanceof, \`satisfies\` for a literal that must fit a type;
- a dependency's private member: one adapter that checks it at start-up and falls back
  (src/http/node-http-internals.ts, src/gateway/routing/breaker-internals.ts), members read by
  name with Reflect, never a cast to an interface of its internals.`;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

interface Found {
  /** `x as unknown as Y`: a double cast, which checks nothing at all. */
  doubleCasts: string[];
  /** `x as Y` with Y a named type (`as const`, `as string`, `as unknown` are not counted). */
  named: string[];
  /** `<Y>x`: the old syntax of the same thing. */
  angleBrackets: string[];
}

function assertionsIn(file: string, found: Found): void {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const where = (node: ts.Node): string => `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node)) {
      const type = node.type.getText(source);
      if (/^[A-Z]/.test(type)) found.named.push(`${where(node)}: as ${type}`);
      if (type === 'unknown' && ts.isAsExpression(node.parent)) found.doubleCasts.push(`${where(node)}: as unknown as ${node.parent.type.getText(source)}`);
    } else if (ts.isTypeAssertionExpression(node)) {
      found.angleBrackets.push(`${where(node)}: <${node.type.getText(source)}>`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

const found: Found = { doubleCasts: [], named: [], angleBrackets: [] };
for (const file of sourceFiles(join(root, 'src'))) assertionsIn(file, found);

test('src has no `as unknown as`', () => {
  assert.deepEqual(found.doubleCasts, [], `a double cast checks nothing at all.${HOW_TO_AVOID}`);
});

test('src has no `<Type>value` assertion', () => {
  assert.deepEqual(found.angleBrackets, [], `the old syntax of a cast is still a cast.${HOW_TO_AVOID}`);
});

test(`src has at most ${MAX_NAMED_ASSERTIONS} assertions to a named type`, () => {
  assert.ok(
    found.named.length <= MAX_NAMED_ASSERTIONS,
    `${found.named.length} assertions to a named type in src, ${MAX_NAMED_ASSERTIONS} allowed.${HOW_TO_AVOID}\n\nThe assertions:\n${found.named.join('\n')}`,
  );
});
