import { Ajv, type Options } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { errorMessage } from '../../protocol/index.js';

/*
 * Whether a JSON Schema an agent owner declares (skill input/output, config)
 * compiles, so a broken schema is refused at registration rather than
 * failing every call later. The dialect follows `$schema`: draft-07 (also
 * when absent, as the runtime's skill validation assumes), 2019-09 or
 * 2020-12. Lenient like the runtime (`strict: false`: unknown keywords such
 * as `example` are annotations), with the standard formats known, silent
 * (`logger: false`), and never fetching a remote `$ref`: one that is not in
 * the schema itself is a problem.
 */

const OPTIONS: Options = { strict: false, allErrors: false, logger: false };
// ajv-formats is CommonJS: under NodeNext its default import is the module object, the plugin its `default`.
const addFormats = ajvFormats.default;

type AnyAjv = Ajv | Ajv2019 | Ajv2020;

/*
 * Ajv keeps something of every schema it compiles (generated code and the
 * values it closes over) even after removeSchema: one instance compiling
 * every schema ever registered grows without bound (~3 KB a schema). The
 * instances are therefore replaced after RECYCLE_AFTER compilations (a new
 * set costs ~7 ms), and verdicts are remembered by schema text, so the same
 * schema registered again (a restart re-registering) compiles nothing.
 */
const RECYCLE_AFTER = 200;
const VERDICTS_KEPT = 500;

let dialects: Map<string, AnyAjv> | undefined;
let compilations = 0;
const verdicts = new Map<string, string | undefined>();

function dialectsNow(): Map<string, AnyAjv> {
  if (dialects === undefined || compilations >= RECYCLE_AFTER) {
    // The plugin adds the formats to the instance it is given.
    const draft07 = new Ajv(OPTIONS);
    const draft2019 = new Ajv2019(OPTIONS);
    const draft2020 = new Ajv2020(OPTIONS);
    for (const instance of [draft07, draft2019, draft2020]) addFormats(instance);
    dialects = new Map<string, AnyAjv>([
      ['', draft07],
      ['http://json-schema.org/draft-07/schema', draft07],
      ['https://json-schema.org/draft/2019-09/schema', draft2019],
      ['https://json-schema.org/draft/2020-12/schema', draft2020],
    ]);
    compilations = 0;
  }
  return dialects;
}

function compileProblem(ajv: AnyAjv, schema: Record<string, unknown>): string | undefined {
  compilations++;
  try {
    ajv.compile(schema);
    return undefined;
  } catch (err) {
    const message = errorMessage(err).replace(/^schema is invalid: /, '').replaceAll(/\bdata(?=[/ ])/g, '');
    return `is not a valid JSON Schema: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
  } finally {
    // Frees the schema's $id for the next agent that declares the same one.
    try {
      ajv.removeSchema(schema);
    } catch {
      // A schema whose $id is unusable was never added.
    }
  }
}

/**
 * Why `schema` is not a usable JSON Schema, or undefined when it compiles.
 *
 * @example
 * jsonSchemaProblem({ type: 'strin' });
 * // 'is not a valid JSON Schema: /type must be equal to one of the allowed values, …'
 */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | undefined {
  const declared = schema['$schema'];
  if (declared !== undefined && typeof declared !== 'string') return 'has a $schema that is not a string';
  const dialect = (declared ?? '').replace(/#$/, '');
  const ajv = dialectsNow().get(dialect);
  if (ajv === undefined) return `declares $schema ${JSON.stringify(declared)}; supported are draft-07, 2019-09 and 2020-12`;
  const text = JSON.stringify(schema);
  if (verdicts.has(text)) return verdicts.get(text);
  const verdict = compileProblem(ajv, schema);
  if (verdicts.size >= VERDICTS_KEPT) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(text, verdict);
  return verdict;
}
