/**
 * Where run progress goes while `workflow run` follows a run: on a terminal
 * a block redrawn in place (ANSI cursor-up and erase-down, no spinner), to a
 * pipe one line per event, so logs stay readable and greppable.
 */
import type { RunEvent } from '../../../orchestrator/index.js';
import type { TextSink } from '../../io/cli-io.js';
import { formatRunEvent, renderRunBlock } from './workflow-progress-format.js';
import type { RunProgress } from './workflow-progress.js';

/** Receives the run's events and the follow loop's own notes. */
export interface ProgressView {
  readonly progress: RunProgress;
  event(event: RunEvent): void;
  /** A line that is not a run event: a question, a cancel notice. */
  note(line: string): void;
  /** Stops redrawing while the user types an answer below the block. */
  suspend(): void;
  /** The answer to a question went out: redrawing starts again, below the prompt. */
  answered(): void;
  /** Draws the last state and stops redrawing. */
  close(): void;
}

/** Options of {@link createProgressView}. */
export interface ProgressViewOptions {
  sink: TextSink;
  progress: RunProgress;
  /** Redraw in place (a terminal) instead of printing one line per event. */
  live: boolean;
  now?: () => number;
  /** The terminal's width, read at each redraw (it may be resized). */
  width?: () => number | undefined;
  /** Live view: redraw this often so running steps' elapsed times move; 0 = only on events. Default 1000. */
  tickMs?: number;
}

/** Picks the live block or the line view. */
export function createProgressView(options: ProgressViewOptions): ProgressView {
  return options.live ? new LiveProgressView(options) : new LineProgressView(options);
}

/** Whether `sink` is a terminal that understands cursor movement. */
export function isInteractive(sink: unknown, env: Record<string, string | undefined>): boolean {
  return (sink as { isTTY?: unknown }).isTTY === true && env['TERM'] !== 'dumb';
}

class LineProgressView implements ProgressView {
  readonly progress: RunProgress;
  readonly #sink: TextSink;
  readonly #now: () => number;

  constructor(options: ProgressViewOptions) {
    this.progress = options.progress;
    this.#sink = options.sink;
    this.#now = options.now ?? Date.now;
  }

  event(event: RunEvent): void {
    this.progress.apply(event, this.#now());
    this.#sink.write(`${formatRunEvent(event)}\n`);
  }

  note(line: string): void {
    this.#sink.write(`${line}\n`);
  }

  suspend(): void {}

  answered(): void {
    this.progress.answered();
  }

  close(): void {}
}

class LiveProgressView implements ProgressView {
  readonly progress: RunProgress;
  readonly #o: ProgressViewOptions;
  readonly #now: () => number;
  /** Lines the last draw left on screen: what the next draw moves up over. */
  #drawn = 0;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: ProgressViewOptions) {
    this.progress = options.progress;
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#startTicker();
    this.#draw();
  }

  event(event: RunEvent): void {
    this.progress.apply(event, this.#now());
    this.#draw();
  }

  note(line: string): void {
    if (this.#closed) {
      this.#o.sink.write(`${line}\n`);
      return;
    }
    // Notes scroll above the block: erase it, print the note, draw it again below.
    this.#o.sink.write(`${this.#erase()}${line}\n`);
    this.#drawn = 0;
    this.#draw();
  }

  suspend(): void {
    this.#stopTicker();
    // The prompt is written below the block: the next draw starts under it, leaving both on screen.
    this.#drawn = 0;
  }

  answered(): void {
    this.progress.answered();
    this.#startTicker();
    this.#draw();
  }

  close(): void {
    if (this.#closed) return;
    this.#stopTicker();
    this.#draw();
    // Lines written after this (the outputs, the result) must never be erased by a late draw.
    this.#closed = true;
  }

  #startTicker(): void {
    if (this.#closed) return;
    const tick = this.#o.tickMs ?? 1000;
    if (tick <= 0 || this.#ticker) return;
    this.#ticker = setInterval(() => this.#draw(), tick);
    // The ticker never holds the process open on its own.
    this.#ticker.unref();
  }

  #stopTicker(): void {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  #draw(): void {
    if (this.#closed) return;
    const width = this.#o.width?.();
    const lines = renderRunBlock(this.progress, { now: this.#now(), ...(width !== undefined && { width }) });
    this.#o.sink.write(`${this.#erase()}${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }

  /** Moves to the first line of the last draw and erases to the end of the screen. */
  #erase(): string {
    return this.#drawn === 0 ? '' : `\x1b[${this.#drawn}F\x1b[J`;
  }
}
