/** A role as the CLI starts it: listening is the last step that can fail. */
interface Listenable<T> {
  listen(): Promise<T>;
  close(): Promise<void>;
}

/**
 * Listens, or closes the role and rethrows: a role that cannot listen (port
 * in use) still holds what it opened when it was created (Redis connections,
 * database pools), and those would keep the process alive, not listening,
 * instead of letting it exit non-zero for its process manager to restart.
 */
export async function listenOrClose<T>(role: Listenable<T>): Promise<T> {
  try {
    return await role.listen();
  } catch (err) {
    await role.close().catch(() => undefined);
    throw err;
  }
}
