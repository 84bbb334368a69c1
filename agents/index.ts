import type { AgentDefinition } from '../src/runtime/index.js';
import analytics from './analytics.js';
import campaignOrchestrator from './campaign-orchestrator.js';
import dataEngineer from './data-engineer.js';
import echo from './echo.js';
import finance from './finance.js';
import hr from './hr.js';
import leadScorer from './lead-scorer.js';
import legal from './legal.js';
import support from './support.js';

/** The example agents `agentmesh up` serves: seed 004's sales chain and seed 000's departments. */
export const exampleAgents: readonly AgentDefinition[] = [echo, leadScorer, dataEngineer, campaignOrchestrator, legal, finance, support, hr, analytics];
