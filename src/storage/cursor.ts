/** Opaque ListTasks cursor: the (updatedAt, id) of the last task of a page, newest first. */
export interface TaskCursor {
  updatedAt: number;
  id: string;
}

export function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(`${cursor.updatedAt}:${cursor.id}`, 'utf8').toString('base64url');
}

/** Returns undefined for anything that is not a cursor we issued. */
export function decodeCursor(token: string): TaskCursor | undefined {
  if (token.length > 512) return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const updatedAt = Number(text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (!Number.isSafeInteger(updatedAt) || id.length === 0) return undefined;
  return { updatedAt, id };
}
