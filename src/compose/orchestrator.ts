import { openWithStack } from '../http/index.js';
import { openOrchestratorAgent, planOrchestrator, type OrchestratorConfig, type OrchestratorConfigInput as RoleConfigInput, type OrchestratorOptions as RoleOptions, type WorkflowDefinition, type WorkflowEngine } from '../orchestrator/index.js';
import { createRuntime, type Runtime, type RuntimeConfigInput } from '../runtime/index.js';

/** The orchestrator's configuration, its `runtime` part the settings of the runtime that hosts it. */
export type OrchestratorConfigInput = RoleConfigInput<RuntimeConfigInput>;

/** Options of {@link createOrchestrator}. */
export type OrchestratorOptions = RoleOptions<RuntimeConfigInput>;

export interface Orchestrator {
  readonly runtime: Runtime;
  readonly engine: WorkflowEngine;
  readonly config: Readonly<OrchestratorConfig<RuntimeConfigInput>>;
  /** The workflows offered as skills. */
  readonly workflows: readonly WorkflowDefinition[];
  /** Starts listening; `url` is the orchestrator agent's base URL. */
  listen(): Promise<{ url: string; baseUrl: string; probesUrl?: string }>;
  close(): Promise<void>;
}

/**
 * The orchestrator role hosted by the runtime: the orchestrator agent
 * (`openOrchestratorAgent`) served by a runtime that shares its database,
 * tracing and metrics. The composition root of the two roles, so neither
 * imports the other: the orchestrator knows the agent contract
 * (`contracts/agent`), the runtime hosts any agent.
 *
 * Everything opened is closed through one stack, last first, including after
 * a failed start (one failing close does not leak the others).
 *
 * @example
 * const orchestrator = await createOrchestrator({ config: { gatewayUrl, clientId, clientSecret, registryUrl, workflowsDir: './workflows' } });
 * const { url } = await orchestrator.listen();
 */
export async function createOrchestrator(options: OrchestratorOptions): Promise<Orchestrator> {
  const plan = planOrchestrator(options);
  return openWithStack(
    async (stack) => {
      const parts = await openOrchestratorAgent(plan, options, stack);
      const runtime = await createRuntime({
        agents: [parts.agent],
        config: plan.runtimeConfig,
        logger: plan.logger,
        database: parts.database,
        metrics: parts.metrics,
        tracing: parts.tracing,
        role: 'orchestrator',
        ...(options.bus ? { bus: options.bus } : {}),
      });
      stack.defer('runtime', () => runtime.close());
      return {
        runtime,
        engine: parts.engine,
        config: plan.config,
        workflows: parts.workflows,
        async listen() {
          await parts.beforeListen();
          const { url, agents, probesUrl } = await runtime.listen();
          return { url: agents[plan.config.name] ?? `${url}/agents/${plan.config.name}`, baseUrl: url, ...(probesUrl !== undefined && { probesUrl }) };
        },
        close: () => stack.closeAll(),
      };
    },
    (err) => plan.log.error({ err }, 'closing after a failed start failed'),
  );
}
