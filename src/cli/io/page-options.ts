/**
 * The paging every `… list` command over a paged listing shares: `--page-size`, `--page-token` and
 * `--all`, and the walk over next-page tokens that `--all` makes.
 */
import type { Command } from 'commander';
import { positiveInteger } from './positive-integer.js';

/** Parsed values of the paging options. */
export interface PageFlags {
  pageSize?: number;
  pageToken?: string;
  all?: boolean;
}

/** What the paging options say of the listing: `items` names what is listed ("agents"), `defaultSize` the page size without `--page-size` ("default 50"). */
export interface PageOptionsHelp {
  items: string;
  maxPageSize: number;
  defaultSize: string;
  /** Said after `--all`'s own help, e.g. " (progress on stderr)". */
  allNote?: string;
}

/** Adds `--page-size`, `--page-token` and `--all` to `command`. */
export function addPageOptions(command: Command, help: PageOptionsHelp): Command {
  return command
    .option('--page-size <n>', `${help.items} per page (1-${help.maxPageSize}, ${help.defaultSize})`, positiveInteger(`${help.items} per page`, help.maxPageSize))
    .option('--page-token <token>', 'start from this page (the nextPageToken of a previous call)')
    .option('--all', `follow nextPageToken until every page is fetched${help.allNote ?? ''}`);
}

/** One page of a listing: more follow while it names a next page. */
interface Paged {
  readonly nextPageToken?: string | undefined;
}

/** How {@link collectPages} reads a listing. */
export interface PageWalk<P extends Paged, T> {
  /** The items of a page. */
  items: (page: P) => readonly T[];
  /** Fetches the page a token names. */
  next: (pageToken: string) => Promise<P>;
  /** The error for a token handed back twice. */
  repeated: (pageToken: string) => Error;
  /** Called after each page with the items collected so far, the page and its number (from 1). */
  onPage?: (collected: number, page: P, n: number) => void;
}

/** Every item from `first` on, following next-page tokens to the end (`--all`). */
export async function collectPages<P extends Paged, T>(first: P, walk: PageWalk<P, T>): Promise<T[]> {
  const all: T[] = [...walk.items(first)];
  const seen = new Set<string>();
  let page = first;
  for (let n = 1; ; n++) {
    walk.onPage?.(all.length, page, n);
    const token = page.nextPageToken;
    if (token === undefined || token === '') return all;
    // A server that hands back a token twice would loop us forever.
    if (seen.has(token)) throw walk.repeated(token);
    seen.add(token);
    page = await walk.next(token);
    all.push(...walk.items(page));
  }
}
