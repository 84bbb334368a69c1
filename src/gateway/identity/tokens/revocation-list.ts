/**
 * What this replica knows to be revoked: token ids until their expiry, and
 * clients revoked within the last token lifetime (their older tokens may
 * still be presented). The database is the truth; this is the copy every
 * request checks without a query, refreshed when the shared revision moves
 * and updated at once for revocations made on this replica.
 */
export class RevocationList {
  #tokens = new Map<string, number>();
  #clients = new Map<string, number>();

  isTokenRevoked(jti: string): boolean {
    return this.#tokens.has(jti);
  }

  isClientRevoked(clientId: string): boolean {
    return this.#clients.has(clientId);
  }

  /** A token revoked here; `expiresAt` epoch ms. */
  addToken(jti: string, expiresAt: number): void {
    this.#tokens.set(jti, expiresAt);
  }

  /** A client revoked here, at `revokedAt` epoch ms. */
  addClient(clientId: string, revokedAt: number): void {
    this.#clients.set(clientId, revokedAt);
  }

  /**
   * Merges what the database holds. Revocation is never undone, so entries
   * already known stay (a load that raced with a revocation made here must
   * not drop it) until they no longer matter: tokens past their expiry.
   * Clients are dropped once their revocation is older than `clients`' window
   * (the caller loads exactly that window).
   */
  replace(tokens: Map<string, number>, clients: ReadonlyArray<{ id: string; revokedAt: number }>, now: number, clientWindowStart?: number): void {
    for (const [jti, expiresAt] of this.#tokens) if (expiresAt > now && !tokens.has(jti)) tokens.set(jti, expiresAt);
    this.#tokens = tokens;
    const next = new Map(clients.map((c) => [c.id, c.revokedAt]));
    for (const [id, revokedAt] of this.#clients) if (!next.has(id) && (clientWindowStart === undefined || revokedAt >= clientWindowStart)) next.set(id, revokedAt);
    this.#clients = next;
  }

  get size(): { tokens: number; clients: number } {
    return { tokens: this.#tokens.size, clients: this.#clients.size };
  }
}
