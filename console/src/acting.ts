/**
 * A platform admin acting in one tenant. The admin token (gateway:admin) has
 * no tenant, so the A2A calls of Try it, Tasks and Workflows (which are a
 * tenant's) cannot be made with it. The admin picks a tenant; the gateway
 * issues a short-lived token for the admin's client in that tenant
 * (`POST /v1/console/act-as`, audited as `console.act-as`), and every A2A call
 * carries it with `x-agentmesh-on-behalf-of-tenant`, so the audit trail
 * records each call as the admin's, on the tenant's behalf. Kept in memory
 * like the credential; renewed before it expires; forgotten on sign-out.
 */
import { apiPost, session } from './session.js';
import { signal } from './signal.js';

export interface Acting {
  tenant: string;
  token: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** The tenant a platform admin acts in, or null. */
export const acting = signal<Acting | null>(null);

let renewal: ReturnType<typeof setTimeout> | undefined;

/** Acts in `tenant` (a platform admin only: the gateway refuses anyone else). */
export async function actIn(tenant: string): Promise<void> {
  clearTimeout(renewal);
  const answer = await apiPost<{ tenant: string; token: string; expiresAt: number }>('/v1/console/act-as', { tenant });
  acting.set({ tenant: answer.tenant, token: answer.token, expiresAt: answer.expiresAt });
  // Renewed at 80 % of its life, while the admin is still signed in and still acting in that tenant.
  const lifeMs = answer.expiresAt * 1000 - Date.now();
  renewal = setTimeout(() => {
    if (session.get() !== null && acting.get()?.tenant === answer.tenant) actIn(answer.tenant).catch(() => acting.set(null));
  }, Math.max(5_000, lifeMs * 0.8));
}

export function stopActing(): void {
  clearTimeout(renewal);
  acting.set(null);
}

session.subscribe((s) => s === null && stopActing());

/** The headers of an A2A call made while acting in a tenant; undefined when not acting. */
export function actingHeaders(): Record<string, string> | undefined {
  const now = acting.get();
  return now === null ? undefined : { authorization: `Bearer ${now.token}`, 'x-agentmesh-on-behalf-of-tenant': now.tenant };
}
