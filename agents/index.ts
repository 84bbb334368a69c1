import type { AgentDefinition } from 'agentmesh';
import analytics from './analytics.js';
import audienceArchitect from './audience-architect.js';
import campaignOrchestrator from './campaign-orchestrator.js';
import dataEngineer from './data-engineer.js';
import echo from './echo.js';
import finance from './finance.js';
import hr, { defineHrAgent } from './hr.js';
import leadScorer from './lead-scorer.js';
import legal from './legal.js';
import sales from './sales.js';
import support from './support.js';
import workflowAutomation from './workflow-automation.js';

/** The example agents `agentmesh up` serves: seed 004's DealScale agents and seed 000's departments. */
export const exampleAgents: readonly AgentDefinition[] = [echo, leadScorer, dataEngineer, campaignOrchestrator, legal, finance, support, hr, analytics, audienceArchitect, workflowAutomation, sales];

/**
 * Seed 000's HR agent once more, named `hr-acp`: `agentmesh up` serves it as
 * a plain ACP agent on a server of its own and registers it as bridged, so a
 * workflow can mix protocols (workflows/employee-question.yaml).
 */
export const acpExampleAgent: AgentDefinition = defineHrAgent('hr-acp');
