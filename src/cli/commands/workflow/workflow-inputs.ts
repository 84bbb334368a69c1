/**
 * The inputs of `agentmesh workflow run`, from `--inputs-json '{…}'` and
 * repeated `--input key=value`. Values read the way a person types them on a
 * shell: `count=3` is a number, `dryRun=true` a boolean, `ids=["a","b"]` a
 * list, `name=spring` a string, and `leads=@leads.json` the JSON of a file.
 */
import { readFile } from 'node:fs/promises';
import { Errors, errorMessage, errorCode } from '../../../protocol/index.js';

/** JSON's number grammar: `007` and `1e` stay strings (zip codes, ids). */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** What the workflow says of an input, when the CLI knows the workflow (a local file). */
export interface DeclaredInput {
  schema: Record<string, unknown>;
}

/** Sources of {@link collectWorkflowInputs}. */
export interface WorkflowInputSources {
  /** `key=value` pairs, in command-line order (a later key wins). */
  input?: readonly string[];
  /** A JSON object (or `@file.json`); `--input` pairs are applied over it. */
  inputsJson?: string;
  /** The workflow's declared inputs: a `type: string` input keeps its text as typed. */
  declared?: Readonly<Record<string, DeclaredInput>>;
  /** Reads `@file` references; default `fs.readFile` (relative to the working directory). */
  readText?: (path: string) => Promise<string>;
}

/**
 * Reads one `--input` value: `true`/`false`, a JSON number, or JSON starting
 * with `[` or `{` when it parses; anything else is the string as typed
 * ({@link collectWorkflowInputs} refuses a `[`/`{` value that does not parse).
 *
 * @example
 * coerceInputValue('500'); // 500
 * coerceInputValue('["a","b"]'); // ['a', 'b']
 * coerceInputValue('02139'); // '02139'
 */
export function coerceInputValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (JSON_NUMBER.test(text)) {
    const n = Number(text);
    // Past 2^53 a number loses digits: an id like 12345678901234567890 stays text.
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(text))) return n;
    return text;
  }
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Builds the inputs object: `--inputs-json` first, then each `--input` over it.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` naming the flag: a pair without
 *   `=`, an empty key, an unreadable or invalid `@file`, a value starting
 *   with `[` or `{` that is not JSON (unless the workflow declares the input
 *   a string), `--inputs-json` that is not a JSON object.
 */
export async function collectWorkflowInputs(sources: WorkflowInputSources): Promise<Record<string, unknown>> {
  const readText = sources.readText ?? ((path: string) => readFile(path, 'utf8'));
  const inputs: Record<string, unknown> = {};
  if (sources.inputsJson !== undefined) {
    const value = sources.inputsJson.startsWith('@')
      ? await readJsonFile(sources.inputsJson.slice(1), '--inputs-json', readText)
      : parseJson(sources.inputsJson, '--inputs-json');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw Errors.cliInputsNotObject({ what: Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}` });
    }
    Object.assign(inputs, value);
  }
  for (const pair of sources.input ?? []) {
    const eq = pair.indexOf('=');
    if (eq === -1) throw Errors.cliInputNotPair({ given: JSON.stringify(pair) });
    const key = pair.slice(0, eq).trim();
    if (key === '') throw Errors.cliInputWithoutKey({ given: JSON.stringify(pair) });
    const raw = pair.slice(eq + 1);
    if (raw.startsWith('@') && raw.length > 1) {
      inputs[key] = await readJsonFile(raw.slice(1), `--input ${key}`, readText);
    } else if (sources.declared?.[key]?.schema['type'] === 'string') {
      inputs[key] = raw;
    } else if (looksLikeJson(raw)) {
      // Meant as JSON: broken JSON is refused with JSON's own reason, rather than sent as text for the
      // workflow to answer "must be array" (the shell ate the quotes of `ids=[a,b]`).
      inputs[key] = parseJson(raw, `--input ${key}`, jsonHint(key, raw));
    } else {
      inputs[key] = coerceInputValue(raw);
    }
  }
  return inputs;
}

async function readJsonFile(path: string, flag: string, readText: (path: string) => Promise<string>): Promise<unknown> {
  let text: string;
  try {
    text = await readText(path);
  } catch (err) {
    const reason = errorCode(err) === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw Errors.cliInputFileUnreadable({ flag, path, reason }, { cause: err });
  }
  return parseJson(text, `${flag}: ${path}`);
}

function parseJson(text: string, label: string, hint = ''): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw Errors.cliInputNotJson({ label, reason: `${errorMessage(err)}${hint}` }, { cause: err });
  }
}

/** A value starting with `[` or `{`: a JSON list or object (a text input so starting is declared `type: string`, or given in --inputs-json). */
function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '[' || first === '{';
}

/** How to write the value, for the refusal: JSON strings take double quotes, and the shell wants the whole quoted. */
function jsonHint(key: string, text: string): string {
  const example = text.trimStart().startsWith('[') ? '["a","b"]' : '{"name":"value"}';
  return `; strings in JSON take double quotes, and the shell wants it all in single quotes: --input ${key}='${example}'`;
}
