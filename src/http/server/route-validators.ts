import { AjvCompiler } from '@fastify/ajv-compiler';

type ValidatorFactory = ReturnType<typeof AjvCompiler>;
type Compile = ReturnType<ValidatorFactory>;
/** What Fastify asks a compiler for: one request part's schema of one route (its typings call it a schema). */
interface RouteSchema {
  schema: unknown;
  httpPart?: unknown;
}

function isRouteSchema(value: unknown): value is RouteSchema {
  return typeof value === 'object' && value !== null && 'schema' in value;
}

/** Fastify's own validator pool (`@fastify/ajv-compiler`: one Ajv per set of options), for the whole process. */
const pool = AjvCompiler();
/** Each compiler handed out, by its Ajv options: the route schemas it compiled are kept on it. */
const compilers = new Map<string, Compile>();

/**
 * The route validators of every Fastify app of the process, compiled once per
 * schema: Fastify gives each app its own Ajv, so each app compiled each of its
 * routes' schemas again, and the process that starts several roles
 * (`agentmesh up`, the in-process gateway and its runtime, a test's mesh)
 * compiled the same ones for each, then for each restart. A schema is keyed by
 * the request part it checks and its JSON text: one the same in every
 * respect is the same validator, which holds no state between calls
 * (Fastify reads its `errors` right after it returns).
 *
 * Given to Fastify as `schemaController.compilersFactory.buildValidator`, it
 * makes Fastify treat the compiler as a custom one, which differs in one way:
 * a `headers` schema is compiled as written, its property names not lowered
 * first. No route has one; a route that adds one names its headers in lower
 * case.
 */
export const sharedRouteValidators: ValidatorFactory = (externalSchemas, options) => {
  const key = JSON.stringify([externalSchemas, options?.customOptions]);
  let compile = compilers.get(key);
  if (compile === undefined) {
    const base = pool(externalSchemas, options);
    const compiled = new Map<string, ReturnType<Compile>>();
    compile = (route) => {
      const schemaKey = isRouteSchema(route) ? `${String(route.httpPart)}\n${JSON.stringify(route.schema)}` : JSON.stringify(route);
      let validate = compiled.get(schemaKey);
      if (validate === undefined) {
        validate = base(route);
        compiled.set(schemaKey, validate);
      }
      return validate;
    };
    compilers.set(key, compile);
  }
  return compile;
};
