import { z } from 'zod';
import { webhookSecretBytes } from './standard-webhooks.js';

/** The engines a hook may name: how its launches are labelled (task metadata, status text) and documented. */
export const WORKFLOW_ENGINES = ['n8n', 'make', 'kestra', 'generic'] as const;
export type WorkflowEngine = (typeof WORKFLOW_ENGINES)[number];

/** A hook's name: what a skill passes to `ctx.launchWorkflow(name, …)`. */
export const HOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * One workflow hook: an engine's webhook trigger (an n8n Webhook node, a Make
 * custom webhook, a Kestra webhook trigger) that agents of the runtime launch.
 */
export const workflowHookSchema = z
  .object({
    /** The webhook trigger's URL. Checked by the SSRF guard at every attempt: a private or loopback host needs `allowHosts`. */
    url: z.string().url(),
    /** Which engine answers there: labels the launch ("n8n execution 42") in the task. */
    engine: z.enum(WORKFLOW_ENGINES).default('generic'),
    /**
     * The Standard Webhooks secrets (`whsec_…`) every launch is signed with,
     * one signature per secret: during a rotation list the new and the old,
     * and drop the old once the receiver checks the new one.
     */
    secrets: z
      .array(z.string().refine((s) => webhookSecretBytes(s) !== undefined, { message: 'must be whsec_ followed by the base64 of 24 to 64 bytes' }))
      .min(1)
      .max(8),
    /**
     * The engine calls back when its run ends (the launch carries a signed
     * `callbackUrl`): the task stays WORKING until then and completes (or
     * fails) from the callback. False: the task completes once the engine
     * accepted the launch. A skill's `awaitCallback` wins.
     */
    callback: z.boolean().default(false),
    /** Agents allowed to launch it. Unset: every agent of the runtime. */
    agents: z.array(z.string().min(1)).min(1).optional(),
    /** Bound on one attempt, ms (10 s); the engine answers a webhook trigger before the run ends. */
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  })
  .strict();

/** The runtime's hooks by name (`workflowHooks`, env AGENTMESH_WORKFLOW_HOOKS). */
export const workflowHooksSchema = z.record(z.string().regex(HOOK_NAME, 'hook names are 1-63 lowercase letters, digits, "-" or "_"'), workflowHookSchema).default({});

export type WorkflowHookConfig = z.output<typeof workflowHookSchema>;
export type WorkflowHookConfigInput = z.input<typeof workflowHookSchema>;
