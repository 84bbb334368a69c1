import type { AgentDefinition } from '../src/runtime/index.js';
import echo from './echo.js';
import leadScorer from './lead-scorer.js';

/** The example agents `agentmesh up` serves. */
export const exampleAgents: readonly AgentDefinition[] = [echo, leadScorer];
