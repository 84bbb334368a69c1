import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectPages } from '../../../src/cli/io/page-options.js';

interface Page {
  items: number[];
  nextPageToken?: string;
}

/** A listing of pages by token: '' and an absent token both end it. */
function listing(pages: Record<string, Page>) {
  const asked: string[] = [];
  return {
    asked,
    walk: {
      items: (p: Page) => p.items,
      next: async (token: string) => {
        asked.push(token);
        return pages[token]!;
      },
      repeated: (token: string) => new Error(`repeated ${token}`),
    },
  };
}

test('follows next-page tokens to the last page, whether it ends with an empty or an absent token', async () => {
  for (const end of [{ items: [5] }, { items: [5], nextPageToken: '' }]) {
    const { asked, walk } = listing({ b: { items: [3, 4], nextPageToken: 'c' }, c: end });
    const seen: Array<[number, number]> = [];
    const all = await collectPages({ items: [1, 2], nextPageToken: 'b' }, { ...walk, onPage: (collected, _page, n) => seen.push([collected, n]) });
    assert.deepEqual(all, [1, 2, 3, 4, 5]);
    assert.deepEqual(asked, ['b', 'c']);
    assert.deepEqual(seen, [[2, 1], [4, 2], [5, 3]], 'onPage after every page, the first included');
  }
});

test('a token handed back twice ends the walk with the caller\'s error instead of looping', async () => {
  const { asked, walk } = listing({ b: { items: [2], nextPageToken: 'c' }, c: { items: [3], nextPageToken: 'b' } });
  await assert.rejects(collectPages({ items: [1], nextPageToken: 'b' }, walk), /repeated b/);
  assert.deepEqual(asked, ['b', 'c']);
});
