import type { IDataObject, ILoadOptionsFunctions, INodeExecutionData, INodePropertyOptions, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { Gateway, type GatewayCredentials, type TaskJson } from '../../shared/gateway.js';
import { agentParameter } from '../../shared/agent-parameter.js';
import { taskItem } from '../../shared/task-output.js';

/** Tasks read per ListTasks page, and pages read per poll at most (the rest waits for the next poll). */
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/**
 * Starts a workflow when a task of an agent ends (completed, failed, …), in
 * the credential's tenant. It polls the agent's ListTasks through the
 * gateway for tasks whose status changed since the last poll: nothing to
 * register on the mesh, nothing n8n must expose, and every task of the agent
 * is seen, whoever started it (a push notification config names one task,
 * and needs an n8n URL the agents can reach; see the integrations guide).
 */
export class AgentmeshTaskTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'agentmesh Task Trigger',
    name: 'agentmeshTaskTrigger',
    icon: 'file:agentmesh.svg',
    group: ['trigger'],
    version: 1,
    subtitle: '={{ "when a task of " + $parameter["agent"] + " ends" }}',
    description: "Starts the workflow when an agent's task ends",
    defaults: { name: 'agentmesh Task Trigger' },
    polling: true,
    inputs: [],
    outputs: ['main'],
    credentials: [{ name: 'agentmeshApi', required: true }],
    properties: [
      agentParameter('The agent whose tasks to watch.'),
      {
        displayName: 'States',
        name: 'states',
        type: 'multiOptions',
        options: [
          { name: 'Completed', value: 'TASK_STATE_COMPLETED' },
          { name: 'Failed', value: 'TASK_STATE_FAILED' },
          { name: 'Canceled', value: 'TASK_STATE_CANCELED' },
          { name: 'Rejected', value: 'TASK_STATE_REJECTED' },
          { name: 'Input Required', value: 'TASK_STATE_INPUT_REQUIRED' },
        ],
        default: ['TASK_STATE_COMPLETED'],
        description: 'Start the workflow when a task reaches one of these states',
      },
    ],
  };

  methods = {
    loadOptions: {
      async getAgents(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
        const gateway = new Gateway((await this.getCredentials('agentmeshApi')) as unknown as GatewayCredentials);
        return (await gateway.agents()).map((a) => ({ name: a.name, value: a.name, description: a.description }));
      },
    },
  };

  async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
    const gateway = new Gateway((await this.getCredentials('agentmeshApi')) as unknown as GatewayCredentials);
    const agent = this.getNodeParameter('agent') as string;
    const states = this.getNodeParameter('states', []) as string[];
    const manual = this.getMode() === 'manual';
    // What the last poll saw: the newest status time, and the tasks at that very time (a later task may share it).
    const seen = this.getWorkflowStaticData('node') as { after?: string; atAfter?: string[] };
    const now = new Date().toISOString();
    if (seen.after === undefined && !manual) {
      // First poll of an active workflow (n8n runs it on activation): tasks from now on, not the agent's whole past.
      // One task is read all the same, so a wrong credential, scope or agent fails the activation, where it shows.
      await gateway.tasks(agent, { state: states[0] ?? 'TASK_STATE_COMPLETED', pageSize: 1 });
      seen.after = now;
      seen.atAfter = [];
      return null;
    }
    const found: TaskJson[] = [];
    for (const state of states) {
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await gateway.tasks(agent, { state, ...(manual ? {} : { after: seen.after }), pageSize: manual ? 1 : PAGE_SIZE, ...(pageToken ? { pageToken } : {}) });
        found.push(...answer.tasks);
        pageToken = answer.nextPageToken;
        if (manual || !pageToken) break;
      }
    }
    const before = new Set(seen.atAfter ?? []);
    const fresh = found.filter((t) => !before.has(`${t.id}/${t.status.state}`));
    if (manual) return fresh.length === 0 ? null : [fresh.slice(0, 1).map((t) => ({ json: taskItem(t, agent) as IDataObject }))];
    let newest = seen.after!;
    for (const t of fresh) if ((t.status.timestamp ?? '') > newest) newest = t.status.timestamp!;
    seen.atAfter = [...(newest === seen.after ? before : []), ...fresh.filter((t) => t.status.timestamp === newest).map((t) => `${t.id}/${t.status.state}`)];
    seen.after = newest;
    if (fresh.length === 0) return null;
    fresh.sort((a, b) => (a.status.timestamp ?? '').localeCompare(b.status.timestamp ?? ''));
    return [fresh.map((t) => ({ json: taskItem(t, agent) as IDataObject }))];
  }
}
