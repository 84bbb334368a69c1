import { Ajv, type ValidateFunction } from 'ajv';
import { isRecord } from '../../protocol/index.js';

/** A skill's input schema, compiled as the runtime compiles it. */
export interface CompiledSkillSchema {
  validate: ValidateFunction;
  /** The schema fills defaults (`useDefaults`): validate a copy, so the caller's message is left as sent; deep inputs are not copied (see {@link MAX_RECURSIVE_INPUT_DEPTH}). */
  fillsDefaults: boolean;
  /** The schema may recurse (`$ref`): only inputs no deeper than {@link MAX_RECURSIVE_INPUT_DEPTH} are judged. */
  recursive: boolean;
}

/**
 * Nesting depth up to which an input is judged against a schema that may
 * recurse, or that fills defaults (into a copy of the input). The runtime has no such limit (it validates whatever JSON.parse
 * built), but a self-referencing schema walks the input as deep as it goes,
 * one stack frame a level: the gateway leaves deeper inputs to the runtime
 * rather than risk the stack on a hostile body.
 */
export const MAX_RECURSIVE_INPUT_DEPTH = 64;

/*
 * Ajv keeps the generated code of every schema it compiles (~3 KB a schema)
 * even after removeSchema, so the instance is replaced after RECYCLE_AFTER
 * compilations; schemas are found by object first (records are shared
 * objects, a WeakMap lookup per call), then by text (a record fetched again
 * with the same schema compiles nothing).
 */
const RECYCLE_AFTER = 200;

/** Options of {@link SkillSchemaCache}. */
export interface SkillSchemaCacheOptions {
  /** Compiled schemas kept by text. Default 500. */
  maxSchemas?: number;
}

/**
 * Compiles skill input schemas lazily, on the first call that needs one, with
 * the runtime's Ajv options (draft-07, `strict: false`, `useDefaults`), so a
 * message is judged exactly as the runtime's `defineAgent` validator judges it.
 * A schema that does not compile yields no validator (the call goes on; the
 * registry refuses such schemas at intake anyway).
 */
export class SkillSchemaCache {
  readonly #byObject = new WeakMap<object, CompiledSkillSchema | null>();
  readonly #byText = new Map<string, CompiledSkillSchema | null>();
  readonly #maxSchemas: number;
  #ajv: Ajv | undefined;
  #compilations = 0;

  constructor(options: SkillSchemaCacheOptions = {}) {
    this.#maxSchemas = options.maxSchemas ?? 500;
  }

  /** The compiled schema, or undefined when it does not compile. */
  get(schema: Record<string, unknown>): CompiledSkillSchema | undefined {
    const known = this.#byObject.get(schema);
    if (known !== undefined) return known ?? undefined;
    let text: string;
    try {
      text = JSON.stringify(schema);
    } catch {
      this.#byObject.set(schema, null);
      return undefined;
    }
    let compiled = this.#byText.get(text);
    if (compiled === undefined) {
      compiled = this.#compile(schema, text);
      if (this.#byText.size >= this.#maxSchemas) this.#byText.delete(this.#byText.keys().next().value!);
      this.#byText.set(text, compiled);
    }
    this.#byObject.set(schema, compiled);
    return compiled ?? undefined;
  }

  #compile(schema: Record<string, unknown>, text: string): CompiledSkillSchema | null {
    if (this.#ajv === undefined || this.#compilations >= RECYCLE_AFTER) {
      // The runtime's options (define-agent.ts); logger off: an unknown format is ignored either way.
      this.#ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, logger: false });
      this.#compilations = 0;
    }
    this.#compilations++;
    // A copy: the caller's schema object stays untouched, and two agents declaring the same $id do not collide.
    const own: unknown = JSON.parse(text);
    if (!isRecord(own)) return null;
    try {
      const validate = this.#ajv.compile(own);
      return { validate, fillsDefaults: text.includes('"default"'), recursive: /"\$(ref|dynamicRef|recursiveRef)"/.test(text) };
    } catch {
      return null;
    } finally {
      try {
        this.#ajv.removeSchema(own);
      } catch {
        // A schema whose $id is unusable was never added.
      }
    }
  }
}
