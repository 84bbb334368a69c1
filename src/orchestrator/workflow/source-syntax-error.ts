/**
 * A problem found in a piece of workflow source text (a template, an
 * expression) at `offset` in that text: what the template scanner and the
 * expression parser throw, each as its own subclass so a caller can tell
 * which text the offset counts in.
 */
export class SourceSyntaxError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}
