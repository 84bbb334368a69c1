/**
 * The policies in force at the gateway (docs/policies.md), through
 * `/v1/policies`: a platform admin sees every tenant's and the platform-wide
 * ones; a tenant's administrator (scope gateway:policies) its own tenant's.
 * Read only: policies are written, tested and rolled back with
 * `agentmesh policy` or the API, version by version.
 */
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatTime, plural } from '../format.js';
import { ColumnHeads } from '../column-heads.js';
import type { PolicyListAnswer, PolicyView } from '../../../src/contracts/policies/index.js';

function targetOf(p: PolicyView): string {
  const t = p.target;
  return [t.agent ?? 'any agent', t.skill === undefined ? undefined : `skill ${t.skill}`, t.operation].filter((x) => x !== undefined).join(', ');
}

export function PoliciesView() {
  const { data, error } = useData<PolicyListAnswer>('/v1/policies', 15_000);
  return (
    <section aria-labelledby="policies-h">
      <h1 id="policies-h">Policies</h1>
      <p>
        What the gateway decides on every call they target: a <code>forbid</code> that holds refuses the call, a <code>permit_when_approved</code> parks it for an approver, <code>permit</code> policies allow only the calls one of them
        holds for. The audit view shows the decision on each call; <code>agentmesh policy explain &lt;row&gt;</code> the versions that made it.
      </p>
      {error !== '' && <ErrorAlert message={error} />}
      {data !== undefined &&
        (data.policies.length === 0 ? (
          <p data-testid="policies-empty">No policy is in force: the scopes alone decide.</p>
        ) : (
          <table data-testid="policies">
            <caption>{plural(data.policies.length, 'policy', 'policies')} in force</caption>
            <ColumnHeads labels={['Policy', 'Tenant', 'Effect', 'Target', 'Condition', 'Version']} />
            <tbody>
              {data.policies.map((p) => (
                <tr key={`${p.tenant ?? ''}/${p.id}`} data-testid="policy">
                  <th scope="row">
                    <code>{p.id}</code>
                    {p.reason !== undefined && <small> {p.reason}</small>}
                  </th>
                  <td>{p.tenant ?? 'platform-wide'}</td>
                  <td>{p.effect}</td>
                  <td>{targetOf(p)}</td>
                  <td>
                    <code>{p.condition ?? 'always'}</code>
                  </td>
                  <td title={`written ${formatTime(p.createdAt)} by ${p.createdBy}`}>{p.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
