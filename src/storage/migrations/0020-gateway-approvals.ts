import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * Approval gates (docs/approvals.md, ADR 0037): the rules an operator
 * declares through the admin API or the CLI (rules from the configuration
 * are not stored: they are read at every start), and the calls parked
 * until a principal with the approver scope decides. A parked call keeps
 * what forwarding it later needs (the caller, the binding, the body) and
 * its decision (who, when, why). Parked calls are tenant-owned, so on
 * PostgreSQL they get the deny-by-default row security of migration 0009
 * (ADR 0014); rules are the platform's and name a tenant only to match it.
 */
export function gatewayApprovalsMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'gateway_approval_rules',
      columns: [
        'id text primary key',
        // Empty: any agent, skill or tenant. Not `tenant`: a column of that name marks a tenant-owned row (ADR 0014), and a rule is the platform's.
        "agent text not null default ''",
        "skill text not null default ''",
        "match_tenant text not null default ''",
        "condition text not null default ''",
        "reason text not null default ''",
        'approver_scope text not null',
        'expires_after_ms bigint not null',
        'created_at bigint not null',
        'created_by text not null',
      ],
    },
    {
      name: 'gateway_approvals',
      columns: [
        'id text primary key',
        'tenant text not null',
        'agent text not null',
        "skill text not null default ''",
        'rule_id text not null',
        'reason text not null',
        'approver_scope text not null',
        // pending → forwarding → approved | denied | expired (docs/approvals.md, "States").
        'state text not null',
        // The caller (a Principal's JSON: subject, tenant, scopes, act, origin).
        'principal text not null',
        // The call as received (binding, version, path, body) and the client's message id.
        'request text not null',
        'message_id text not null',
        "context_id text not null default ''",
        'milli_credits bigint not null default 0',
        "reservation_key text not null default ''",
        'created_at bigint not null',
        'expires_at bigint not null',
        'decided_by text',
        'decided_at bigint',
        'decision_reason text',
        // The agent's task once forwarded, and what its answer said.
        'task_id text',
        'outcome text',
      ],
      indexes: [
        { name: 'gateway_approvals_state_expires', columns: ['state', 'expires_at'] },
        { name: 'gateway_approvals_tenant_created', columns: ['tenant', 'created_at'] },
        // A retried send finds its parked call instead of parking another.
        { name: 'gateway_approvals_message', columns: ['tenant', 'agent', 'message_id'], unique: true },
      ],
      tenantOwned: true,
    },
  ]);
}
