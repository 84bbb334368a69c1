/**
 * What a CLI run may touch of the outside world. The whole CLI writes through
 * these instead of `process.*`, so tests run it in-process and capture output.
 */

/** Anything with a `write(string)`: `process.stdout`, a test buffer, a stream. */
export interface TextSink {
  write(chunk: string): unknown;
}

/**
 * The streams, environment and network the CLI uses.
 *
 * @example
 * const out: string[] = [];
 * const io: Partial<CliIO> = { stdout: { write: (s) => out.push(s) }, env: {} };
 */
export interface CliIO {
  /** Results: human text or JSON. */
  stdout: TextSink;
  /** Errors, progress and hints. */
  stderr: TextSink;
  /** Environment (`AGENTMESH_TOKEN`, `AGENTMESH_DEBUG`); never `process.env` below `src/cli/`. */
  env: Record<string, string | undefined>;
  /** Input for `--data -`; defaults to `process.stdin`. */
  stdin?: AsyncIterable<string | Uint8Array>;
  /**
   * The fetch used for every outbound call. Defaults to global `fetch` plus a
   * W3C `traceparent` header; pass the tracing-aware fetch from observability
   * to join the caller's trace instead.
   */
  fetchImpl?: typeof fetch;
}

/**
 * What a command factory receives: the IO and a way to report its exit code
 * (commander ignores action return values, so the code travels through here).
 */
export interface CliContext {
  readonly io: CliIO;
  /** Sets the exit code `runCli` returns; the last call wins. */
  setExitCode(code: number): void;
}

/** Fills the gaps of a partial IO with the real process streams. */
export function resolveCliIO(io: Partial<CliIO> = {}): CliIO {
  const resolved: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    stdin: io.stdin ?? process.stdin,
  };
  if (io.fetchImpl !== undefined) resolved.fetchImpl = io.fetchImpl;
  return resolved;
}
