/**
 * How an error is declared: its code (whose wire mapping is WIRE in
 * errors.ts), its message template and which of its values go out as
 * ErrorInfo details. The area files beside this one hold the declarations;
 * `../error-messages.ts` joins them into the one `Errors` catalog.
 *
 * This file is also the only place an AgentmeshError is constructed from
 * words: a declared error, a refused field (`invalidArgument`), or words
 * someone else wrote (`relayed`).
 */
import { AgentmeshError, ErrorCodes, type AgentmeshErrorOptions, type ErrorCode, type FieldViolation } from '../errors.js';

type Letter = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z' | Uppercase<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z'>;
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
type IsNameTail<S extends string> = S extends '' ? true : S extends `${Letter | Digit}${infer R}` ? IsNameTail<R> : false;
/** True for a placeholder name, `[A-Za-z][A-Za-z0-9]*` (as PLACEHOLDER reads it). */
type IsName<S extends string> = S extends `${Letter}${infer R}` ? IsNameTail<R> : false;

/**
 * The names between braces in a template. Braces around anything but a name
 * are text (`{{ expr }}`, `{ agent, skill? }`), as the template is filled.
 */
export type TemplateValues<T extends string> = T extends `${string}{${infer After}`
  ? After extends `${infer Name}}${infer Rest}`
    ? IsName<Name> extends true
      ? Name | TemplateValues<Rest>
      : TemplateValues<After>
    : never
  : never;

/** Values of one error: each name of its template, as text or a number. */
type Values<T extends string> = [TemplateValues<T>] extends [never] ? Record<string, never> : Record<TemplateValues<T>, string | number>;

/** Options a call site may add: everything but the code, the message and the declared details. */
export type RaiseOptions = Omit<AgentmeshErrorOptions, 'details'> & { details?: Record<string, string> };

/** What a declaration fixes beside its code and template. */
export interface Declaration<T extends string> {
  /** Values copied into the error's details (client-safe ErrorInfo metadata). */
  details?: readonly TemplateValues<T>[];
  /** Details every error of this entry carries, whatever the values (an OAuth error name, a refusal reason). */
  constants?: Readonly<Record<string, string>>;
  /** The one field the error is about: it gets one violation, described by the whole message. */
  field?: string;
  expose?: boolean;
  retryable?: boolean;
}

/** One declared error: call it with its values to make the error. */
export interface DeclaredError<T extends string> {
  (values: Values<T>, options?: RaiseOptions): AgentmeshError;
  readonly code: ErrorCode;
  readonly template: T;
  /** The message alone, for words that go out under another code (a relayed error) or into an event. */
  format(values: Values<T>): string;
  /** Whether a client sees the message (undefined: as the code's HTTP status says, below 500). */
  readonly expose: boolean | undefined;
  readonly retryable: boolean | undefined;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Fills a template; a name without a value stays as written (a declaration bug the tests catch). */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

/** A template split once into its text (`parts`, one more than `names`) and the names between. */
interface Compiled {
  parts: string[];
  names: string[];
}

function compile(template: string): Compiled {
  const parts: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, match.index));
    names.push(match[1]!);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return { parts, names };
}

const NO_OPTIONS: RaiseOptions = Object.freeze({});

/**
 * Declares one error. Raising it costs what an inline `new AgentmeshError`
 * with a template literal costs: the template is split once, on first use,
 * and filled by concatenation (errors are raised per request: quotas, auth).
 */
export function declare<const T extends string>(code: ErrorCode, template: T, declaration: Declaration<T> = {}): DeclaredError<T> {
  let compiled: Compiled | undefined;
  const declaredDetails = declaration.details ?? [];
  const { constants, field } = declaration;
  const format = (values: Values<T>): string => {
    compiled ??= compile(template);
    const { parts, names } = compiled;
    const filled: Readonly<Record<string, string | number>> = values;
    let message = parts[0]!;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      message += (Object.hasOwn(filled, name) ? String(filled[name]) : `{${name}}`) + parts[i + 1]!;
    }
    return message;
  };
  const raise = (values: Values<T>, options: RaiseOptions = NO_OPTIONS): AgentmeshError => {
    const message = format(values);
    const filled: Readonly<Record<string, string | number>> = values;
    let details = options.details;
    if (declaredDetails.length > 0 || constants !== undefined) {
      details = { ...details };
      for (const name of declaredDetails) details[name] = String(filled[name]);
      if (constants !== undefined) Object.assign(details, constants);
    }
    return new AgentmeshError(code, message, {
      expose: options.expose ?? declaration.expose,
      retryable: options.retryable ?? declaration.retryable,
      details,
      violations: options.violations ?? (field === undefined ? undefined : [{ field, description: message }]),
      cause: options.cause,
    });
  };
  return Object.assign(raise, { code, template, format, expose: declaration.expose, retryable: declaration.retryable });
}

/** Codes whose errors say a field of the input is wrong: `invalidArgument` takes only these. */
export type InvalidArgumentCode =
  | typeof ErrorCodes.PROTOCOL_INVALID_PARAMS
  | typeof ErrorCodes.CONFIG_INVALID
  | typeof ErrorCodes.REGISTRY_INVALID_ARGUMENT
  | typeof ErrorCodes.GATEWAY_INVALID_ARGUMENT
  | typeof ErrorCodes.IDENTITY_INVALID_ARGUMENT
  | typeof ErrorCodes.TENANCY_INVALID_ARGUMENT
  | typeof ErrorCodes.AUDIT_INVALID_ARGUMENT;

/**
 * The one refused-field error: `<field> <description>` (after "Invalid
 * parameters: " for a -32602, as A2A clients read it), with one violation
 * naming the field (a google.rpc.BadRequest on the wire).
 *
 * @example
 * throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'to', 'must be after from');
 */
export function invalidArgument(code: InvalidArgumentCode, field: string, description: string, options: RaiseOptions = NO_OPTIONS): AgentmeshError {
  const message = code === ErrorCodes.PROTOCOL_INVALID_PARAMS ? `Invalid parameters: ${field} ${description}` : `${field} ${description}`;
  return new AgentmeshError(code, message, { ...options, violations: options.violations ?? [{ field, description }] });
}

/** Beyond this many, problems are counted rather than listed: a card with 5,000 broken skills needs one line, not 5,000. */
const MAX_LISTED = 100;

/**
 * The refusal of a document with several wrong fields (an agent card, a
 * manifest): every problem as a violation, and a message that reads well in
 * a terminal, the count then one problem per line.
 *
 * @example
 * throw violationError(ErrorCodes.REGISTRY_CARD_INVALID, 'The agent card', violations);
 * // The agent card has 2 problems:
 * //   - skills[1].id is required
 * //   - supportedInterfaces[0].url must be an absolute http(s) URL
 */
export function violationError(code: ErrorCode, subject: string, violations: readonly FieldViolation[], options: { retryable?: boolean } = {}): AgentmeshError {
  const listed = violations.slice(0, MAX_LISTED).map((v) => ({ ...v }));
  const unlisted = violations.length - listed.length;
  if (unlisted > 0) listed.push({ field: '(more)', description: `${unlisted} more problems not listed` });
  const count = violations.length;
  const lines = listed.map((v) => (v.field === '(more)' ? `  - … and ${unlisted} more` : `  - ${v.field} ${v.description}`));
  const only = violations[0];
  const message =
    count === 1 && only !== undefined ? `${subject} has a problem: ${only.field} ${only.description}` : `${subject} has ${count} problems:\n${lines.join('\n')}`;
  return new AgentmeshError(code, message, { violations: listed, retryable: options.retryable ?? false });
}

/**
 * A -32602 naming the offending field: `invalidArgument` for A2A request
 * params, kept as the public shorthand agent authors use.
 */
export function invalidParams(field: string, description: string): AgentmeshError {
  return invalidArgument(ErrorCodes.PROTOCOL_INVALID_PARAMS, field, description);
}

/**
 * An error whose words someone else wrote, passed on under our code: the
 * answer of another agentmesh role read back by its client, the A2A SDK's
 * error, a Fastify error. Our own words are declared; these are relayed.
 */
export function relayed(code: ErrorCode, message: string, options: RaiseOptions = NO_OPTIONS): AgentmeshError {
  return new AgentmeshError(code, message, options);
}
