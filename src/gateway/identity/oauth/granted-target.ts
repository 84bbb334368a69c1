import type { ClientRecord } from '../store/records.js';
import type { FormParams } from './form-body.js';
import { Errors } from '../../../protocol/index.js';

/** The scopes a request names (`scope`, space-separated, each once); undefined when it names none. */
export function askedScopes(form: FormParams): string[] | undefined {
  if (form.scope === undefined) return undefined;
  const asked = form.scope.split(' ').filter((s) => s !== '');
  if (asked.length === 0) throw Errors.oauthScopeEmpty({});
  return [...new Set(asked)];
}

/** The scopes granted: the asked ones, each allowed to the client; none asked means all it may have. */
export function grantedScopes(form: FormParams, client: ClientRecord): string[] {
  const asked = askedScopes(form);
  if (asked === undefined) return client.scopes;
  const refused = asked.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) throw Errors.oauthScopeRefused({ scope: refused.join(' ') });
  return asked;
}

/** The audience: `audience` or `resource` (RFC 8707), one value, allowed to the client. */
export function grantedAudience(form: FormParams, client: ClientRecord, defaultAudience: string): string {
  if (form.audience !== undefined && form.resource !== undefined && form.audience !== form.resource) throw Errors.oauthTargetsDiffer({});
  const asked = form.audience ?? form.resource;
  if (asked === undefined) return client.audiences.includes(defaultAudience) ? defaultAudience : client.audiences[0]!;
  if (!client.audiences.includes(asked)) throw Errors.oauthAudienceRefused({ audience: asked });
  return asked;
}
