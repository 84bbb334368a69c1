import { RetryLog, type Logger } from '../../observability/index.js';
import { registryStatusOf, type InstanceRegistration, type RegistryClient } from '../../contracts/registry-client/index.js';
import { AgentmeshError } from '../../protocol/index.js';
import { pause } from '../../storage/index.js';
import { retryDelay } from './retry-pause.js';

/** Options of {@link AgentRegistration}. Durations in ms. */
export interface AgentRegistrationOptions {
  client: RegistryClient;
  agent: string;
  /** The card JSON the runtime serves for this agent, read at each (re-)registration. */
  card: () => unknown;
  /** The agent's registry metadata (`defineAgent({ registry })`); absent keeps what the registry has. */
  metadata: Readonly<Record<string, unknown>> | undefined;
  /** This process's instance of the agent, lease included. */
  instance: InstanceRegistration & { leaseTtlMs: number };
  logger: Logger;
  random?: () => number;
}

/**
 * Keeps one agent registered while the runtime runs (docs/registry.md#instances-leases-and-health): puts its
 * record with the served card, adds this process as a leased instance, and
 * heartbeats every third of the lease. A heartbeat answered 404 (registry
 * restarted on a fresh store, lease lapsed, agent deregistered) registers
 * record and instance again. Failures are retried with backoff and logged
 * at warn; nothing here ever throws into the runtime.
 *
 * Except one: a registration the registry answers 400 (the card or the
 * metadata this process sends is invalid) is refused for good, since the
 * next try sends the same bytes. It is logged once, at error, naming each
 * refused field, and not tried again until the process restarts; the
 * runtime keeps serving A2A. Other refusals (401, 403: a token the
 * registry's operator can still fix) go on being retried at the slowest
 * pace.
 */
export class AgentRegistration {
  readonly #o: AgentRegistrationOptions;
  readonly #abort = new AbortController();
  readonly #log: Logger;
  #instanceId: string | undefined;
  #loop: Promise<void> | undefined;
  #refusal: AgentmeshError | undefined;
  /** The review the registry said last that it holds this agent's card change for. */
  #heldFor: string | undefined;
  #settleFirst!: () => void;
  /** Resolves once the first attempt to register ended, whatever its outcome. */
  readonly firstAttempt: Promise<void> = new Promise((resolve) => (this.#settleFirst = resolve));

  constructor(options: AgentRegistrationOptions) {
    this.#o = options;
    this.#log = options.logger.child({ agent: options.agent, registry: options.client.url });
  }

  /** The registry's id of this process's instance, while it holds one. */
  get instanceId(): string | undefined {
    return this.#instanceId;
  }

  /** The registry's answer when it refused the registration for good (400): registration stopped. */
  get refusal(): AgentmeshError | undefined {
    return this.#refusal;
  }

  /** Resolves once the background loop ended: after `stop()`, or after a refusal for good ({@link refusal}). */
  get finished(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Starts registering in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Stops heartbeating and removes the instance (best effort: the lease
   * lapses anyway), giving the registry at most `timeoutMs`.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#settleFirst();
    const id = this.#instanceId;
    if (id === undefined) return;
    this.#instanceId = undefined;
    try {
      await this.#o.client.removeInstance(this.#o.agent, id, { signal: AbortSignal.timeout(timeoutMs) });
      this.#log.info({ instance: id }, 'instance removed from the registry');
    } catch (err) {
      this.#log.warn({ err, instance: id }, 'could not remove the instance from the registry; its lease will lapse');
    }
  }

  async #run(): Promise<void> {
    const { client, agent, instance } = this.#o;
    const signal = this.#abort.signal;
    const heartbeatMs = Math.floor(instance.leaseTtlMs / 3);
    let failures = 0;
    const said = new RetryLog(this.#log);
    while (!signal.aborted) {
      try {
        if (this.#instanceId === undefined) {
          const { heldFor } = await client.upsertAgent(agent, { card: this.#o.card(), ...(this.#o.metadata !== undefined && { metadata: this.#o.metadata }) }, { signal });
          if (heldFor !== undefined) this.#held(heldFor);
          const { id } = await client.addInstance(agent, instance, { signal });
          this.#instanceId = id;
          this.#log.info({ instance: id, url: instance.url, leaseTtlMs: instance.leaseTtlMs }, 'registered with the registry');
        } else {
          const lease = await client.heartbeat(agent, this.#instanceId, { signal });
          if (lease === undefined) {
            this.#log.warn({ instance: this.#instanceId }, 'the registry lost this instance (restarted or lease lapsed); registering again');
            this.#instanceId = undefined;
            continue;
          }
        }
        failures = 0;
        said.succeeded('the registry answers again', { instance: this.#instanceId });
        this.#settleFirst();
      } catch (err) {
        this.#settleFirst();
        if (signal.aborted) break;
        failures += 1;
        if (this.#instanceId === undefined && registryStatusOf(err) === 400 && err instanceof AgentmeshError) {
          this.#refuse(err);
          return;
        }
        // 404 too: an agent deregistered between our PUT and our POST is there again at the next try.
        const retryable = (err as { retryable?: unknown }).retryable === true || registryStatusOf(err) === 404;
        // A refusal (bad card, bad token) needs a person: retry at the slowest pace, loudly.
        const waitMs = retryable ? retryDelay(failures, heartbeatMs, this.#o.random) : heartbeatMs;
        said.failed(err, this.#instanceId === undefined ? 'registration failed; retrying' : 'heartbeat failed; retrying', { retryInMs: waitMs }, retryable ? 'warn' : 'error');
        await pause(waitMs, signal);
        continue;
      }
      await pause(heartbeatMs, signal);
    }
  }

  /**
   * Says, once per review, that the registry holds the card (or governed
   * metadata) this process serves for review (docs/registry.md#review-holds):
   * the gateways keep routing by the approved card until a reviewer approves,
   * which an operator would otherwise learn only from calls that do not
   * reach the new skill. A registration again with the same change is the
   * same review: not said twice.
   */
  #held(review: string): void {
    if (this.#heldFor === review) return;
    this.#heldFor = review;
    const { agent, client } = this.#o;
    this.#log.warn(
      { review },
      `the registry holds this card change for review ${review}: it keeps serving the approved card until a reviewer approves; follow it with \`agentmesh agents review show ${agent} --registry ${client.url}\``,
    );
  }

  /** Logs a registration refused for good, once, with the fields the registry named, and stops retrying. */
  #refuse(err: AgentmeshError): void {
    this.#refusal = err;
    const violations = err.violations ?? [];
    const fields = violations.map((v) => v.field);
    const named = violations.length > 0 ? violations.map((v) => `${v.field} ${v.description}`).join('; ') : err.message;
    this.#log.error(
      { err, code: err.code, fields },
      `the registry refused to register agent ${this.#o.agent}: ${named}; not retrying (the same card would be refused again): fix it and restart; A2A is still served`,
    );
  }
}
