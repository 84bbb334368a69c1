import { buildAgentCard, type ServedCard } from './agent-card.js';
import type { AgentDefinition } from '../contracts/agent/index.js';
import type { SigningKey } from './push/index.js';

/**
 * The agent cards a runtime serves, at its public URL: built on first use,
 * rebuilt for the real URL once listening (port 0 is only known then), and
 * listing each agent's gRPC target once its server is bound.
 */
export class ServedCards {
  /** The config's public URL, else localhost on the port bound at listen(). */
  publicUrl: string;
  /** Each agent's gRPC target (host:port) once its server is bound. */
  readonly grpcUrls = new Map<string, string>();
  readonly #cards = new Map<string, ServedCard>();
  readonly #extended = new Map<string, ServedCard>();
  readonly #single: boolean;
  readonly #signingKey: SigningKey | undefined;

  /** `signingKey`: signs the cards (`signCards`), its JWKS served at the public URL. */
  constructor(agents: readonly AgentDefinition[], publicUrl: string, signingKey: SigningKey | undefined) {
    this.publicUrl = publicUrl;
    this.#single = agents.length === 1;
    this.#signingKey = signingKey;
  }

  /** A single agent is served at the root, several each under `/agents/{name}`. */
  baseUrlOf(agent: AgentDefinition): string {
    return this.#single ? this.publicUrl : `${this.publicUrl}/agents/${agent.name}`;
  }

  /** The card being served (built by then: cards are built before the first call). */
  current(name: string): ServedCard {
    return this.#cards.get(name)!;
  }

  /** The extended card, once built. */
  extended(name: string): ServedCard | undefined {
    return this.#extended.get(name);
  }

  /** The card, built now on first use, with the extended card when the agent has one. */
  async ensure(agent: AgentDefinition): Promise<ServedCard> {
    let served = this.#cards.get(agent.name);
    if (!served) {
      served = await this.#build(agent);
      this.#cards.set(agent.name, served);
    }
    if (agent.extendedCard && !this.#extended.has(agent.name)) this.#extended.set(agent.name, await buildAgentCard(agent, { ...this.#urlsOf(agent), extended: true }));
    return served;
  }

  /** Rebuilds every card for the real URL, then swaps: requests in between still find the old ones. */
  async rebuild(agents: readonly AgentDefinition[]): Promise<void> {
    const fresh = new Map<string, ServedCard>();
    const extended = new Map<string, ServedCard>();
    for (const agent of agents) {
      fresh.set(agent.name, await this.#build(agent));
      // Rebuilt here too, not left to the next card download: behind a gateway that serves the card itself, none may come.
      if (agent.extendedCard) extended.set(agent.name, await buildAgentCard(agent, { ...this.#urlsOf(agent), extended: true }));
    }
    for (const [name, card] of fresh) this.#cards.set(name, card);
    this.#extended.clear();
    for (const [name, card] of extended) this.#extended.set(name, card);
  }

  #urlsOf(agent: AgentDefinition) {
    return { baseUrl: this.baseUrlOf(agent), grpcUrl: this.grpcUrls.get(agent.name) };
  }

  #build(agent: AgentDefinition): Promise<ServedCard> {
    const key = this.#signingKey;
    const signingKey = key && { kid: key.kid, alg: key.alg, privateKey: key.privateKey, jku: `${this.publicUrl}/.well-known/jwks.json` };
    return buildAgentCard(agent, { ...this.#urlsOf(agent), signingKey });
  }
}
