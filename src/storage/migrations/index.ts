import type { Migration, MigrationProvider } from 'kysely';
import { runtimeMigration } from './0001-runtime.js';
import { registryMigration } from './0002-registry.js';
import { identityMigration } from './0003-identity.js';
import { tenancyMigration } from './0004-tenancy.js';
import { auditMigration } from './0005-audit.js';
import { tenantRowSecurityMigration } from './0006-tenant-row-security.js';
import { gatewaySettlementsMigration } from './0007-gateway-settlements.js';
import { workflowsMigration } from './0008-workflows.js';
import { rowSecurityDenyByDefaultMigration } from './0009-row-security-deny-by-default.js';
import { identityCredentialPepperMigration } from './0010-identity-credential-pepper.js';
import { routerConversationsMigration } from './0011-router-conversations.js';
import { registryBridgeMigration } from './0012-registry-bridge.js';
import { routerLearnedRoutesMigration } from './0013-router-learned-routes.js';
import { gatewayBridgedRunsMigration } from './0014-gateway-bridged-runs.js';
import { pushOriginsMigration } from './0015-push-origins.js';
import { timePartitionedTasksMigration } from './0016-time-partitioned-tasks.js';
import { taskLookupFunctionMigration } from './0017-task-lookup-function.js';
import { identityRefreshTokensMigration } from './0018-identity-refresh-tokens.js';
import { workflowRunGrantsMigration } from './0019-workflow-run-grants.js';
import { gatewayApprovalsMigration } from './0020-gateway-approvals.js';
import { auditJournalMarksMigration } from './0021-audit-journal-marks.js';
import { identityRefreshTokenRetriesMigration } from './0022-identity-refresh-token-retries.js';
import { auditRowsAsTextMigration } from './0023-audit-rows-as-text.js';
import { registryGovernanceMigration } from './0024-registry-governance.js';
import { gatewayPoliciesMigration } from './0025-gateway-policies.js';
import { runtimeReplicaHostsMigration } from './0026-runtime-replica-hosts.js';
import { runtimeTaskSnapshotsApartMigration } from './0027-runtime-task-snapshots-apart.js';
import { workflowMapOutputsByUnitMigration } from './0028-workflow-map-outputs-by-unit.js';
import { workflowMapOutputsPassedOnMigration } from './0029-workflow-map-outputs-passed-on.js';
import { taskMessageClaimsMigration } from './0030-task-message-claims.js';
import { largeValuesCompressedWithLz4Migration } from './0031-large-values-compressed-with-lz4.js';

/**
 * The one migration set, in order. Names are stable forever: a renamed
 * migration would run again on existing databases.
 */
export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-runtime': runtimeMigration(dialect),
        '0002-registry': registryMigration(dialect),
        '0003-identity': identityMigration(dialect),
        '0004-tenancy': tenancyMigration(dialect),
        '0005-audit': auditMigration(dialect),
        '0006-tenant-row-security': tenantRowSecurityMigration(dialect),
        '0007-gateway-settlements': gatewaySettlementsMigration(dialect),
        '0008-workflows': workflowsMigration(dialect),
        '0009-row-security-deny-by-default': rowSecurityDenyByDefaultMigration(dialect),
        '0010-identity-credential-pepper': identityCredentialPepperMigration(dialect),
        '0011-router-conversations': routerConversationsMigration(dialect),
        '0012-registry-bridge': registryBridgeMigration(dialect),
        '0013-router-learned-routes': routerLearnedRoutesMigration(dialect),
        '0014-gateway-bridged-runs': gatewayBridgedRunsMigration(dialect),
        '0015-push-origins': pushOriginsMigration(dialect),
        '0016-time-partitioned-tasks': timePartitionedTasksMigration(dialect),
        '0017-task-lookup-function': taskLookupFunctionMigration(dialect),
        '0018-identity-refresh-tokens': identityRefreshTokensMigration(dialect),
        '0019-workflow-run-grants': workflowRunGrantsMigration(),
        '0020-gateway-approvals': gatewayApprovalsMigration(dialect),
        '0021-audit-journal-marks': auditJournalMarksMigration(dialect),
        '0022-identity-refresh-token-retries': identityRefreshTokenRetriesMigration(),
        '0023-audit-rows-as-text': auditRowsAsTextMigration(dialect),
        '0024-registry-governance': registryGovernanceMigration(dialect),
        '0025-gateway-policies': gatewayPoliciesMigration(dialect),
        '0026-runtime-replica-hosts': runtimeReplicaHostsMigration(),
        '0027-runtime-task-snapshots-apart': runtimeTaskSnapshotsApartMigration(dialect),
        '0028-workflow-map-outputs-by-unit': workflowMapOutputsByUnitMigration(),
        '0029-workflow-map-outputs-passed-on': workflowMapOutputsPassedOnMigration(),
        '0030-task-message-claims': taskMessageClaimsMigration(dialect),
        '0031-large-values-compressed-with-lz4': largeValuesCompressedWithLz4Migration(dialect),
      };
    },
  };
}
