import type { SkillContext } from '../../contracts/agent/index.js';
import type { ChildEvent } from '../calls/index.js';

/** Child states whose status text is progress; the others end the call or ask, and the route skill handles them. */
const PROGRESS_STATES = new Set([undefined, 'submitted', 'working']);

/**
 * Streams a specialist's events back on the router's own task: its status
 * texts become the router's progress, its artifacts the router's artifacts
 * (same ids, so a client sees one task whatever agent did the work).
 */
export class ChildEventRelay {
  readonly #ctx: SkillContext;
  #artifacts = 0;

  constructor(ctx: SkillContext) {
    this.#ctx = ctx;
  }

  /** Artifacts relayed so far. */
  get artifacts(): number {
    return this.#artifacts;
  }

  /** The `onEvent` of a child call. */
  readonly onEvent = (event: ChildEvent): void => {
    if (event.kind === 'artifact' && event.artifact !== undefined) {
      const { artifactId, name, description, parts, metadata } = event.artifact;
      if (parts.length === 0) return;
      this.#ctx.artifact({
        artifactId,
        ...(name && { name }),
        ...(description && { description }),
        parts,
        ...(metadata !== undefined && { metadata }),
        ...(event.append === true && { append: true }),
        ...(event.lastChunk === true && { lastChunk: true }),
      });
      this.#artifacts += 1;
      return;
    }
    if (event.kind === 'status' && event.text && PROGRESS_STATES.has(event.state)) {
      this.#ctx.progress(event.text, isRecord(event.data) ? event.data : undefined);
    }
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
