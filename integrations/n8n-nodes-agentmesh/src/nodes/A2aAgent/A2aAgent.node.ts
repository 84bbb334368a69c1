import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions, INodeExecutionData, INodePropertyOptions, INodeType, INodeTypeDescription, ResourceMapperFields, ResourceMapperValue } from 'n8n-workflow';
import { Gateway, type GatewayCredentials, type PartJson, type TaskJson } from '../../shared/gateway.js';
import { dataOf, fieldsOf } from '../../shared/skill-fields.js';
import { agentParameter } from '../../shared/agent-parameter.js';
import { taskItem, TERMINAL_STATES } from '../../shared/task-output.js';

/**
 * Sends a message to an A2A agent through the agentmesh gateway: the agent
 * and skill picked from the registry's view of what the credential may call,
 * the input filled from the skill's JSON Schema (or given as JSON or text),
 * blocking until the task ends, streaming its events, or returning at once.
 * Every call is the credential's: the gateway authenticates it, charges its
 * tenant's credits and writes the audit trail.
 */
export class A2aAgent implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'A2A Agent (agentmesh)',
    name: 'a2aAgent',
    icon: 'file:agentmesh.svg',
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter["agent"] + ($parameter["skill"] ? " · " + $parameter["skill"] : "") }}',
    description: 'Call an A2A agent through the agentmesh gateway',
    defaults: { name: 'A2A Agent' },
    inputs: ['main'],
    outputs: ['main'],
    credentials: [{ name: 'agentmeshApi', required: true }],
    properties: [
      agentParameter('The agent to call: the ones the credential may see, from the registry through the gateway.'),
      {
        displayName: 'Skill Name or ID',
        name: 'skill',
        type: 'options',
        typeOptions: { loadOptionsMethod: 'getSkills', loadOptionsDependsOn: ['agent'] },
        default: '',
        description: "The skill to run; empty: the agent's default skill. Choose from the list, or specify an ID using an <a href=\"https://docs.n8n.io/code/expressions/\">expression</a>.",
      },
      {
        displayName: 'Input',
        name: 'inputMode',
        type: 'options',
        options: [
          { name: "Fields From the Skill's Schema", value: 'fields' },
          { name: 'JSON', value: 'json' },
          { name: 'Text', value: 'text' },
        ],
        default: 'fields',
      },
      {
        displayName: 'Fields',
        name: 'fields',
        type: 'resourceMapper',
        noDataExpression: true,
        default: { mappingMode: 'defineBelow', value: null },
        required: true,
        typeOptions: {
          loadOptionsDependsOn: ['agent', 'skill'],
          resourceMapper: { resourceMapperMethod: 'getSkillFields', mode: 'add', fieldWords: { singular: 'field', plural: 'fields' }, addAllFields: true, multiKeyMatch: false, supportAutoMap: true },
        },
        displayOptions: { show: { inputMode: ['fields'] } },
      },
      {
        displayName: 'JSON',
        name: 'json',
        type: 'json',
        default: '{}',
        description: "The message's data part, as the skill's input schema describes it",
        displayOptions: { show: { inputMode: ['json'] } },
      },
      {
        displayName: 'Text',
        name: 'text',
        type: 'string',
        typeOptions: { rows: 4 },
        default: '',
        displayOptions: { show: { inputMode: ['text'] } },
      },
      {
        displayName: 'Response',
        name: 'mode',
        type: 'options',
        options: [
          { name: 'Wait for the Task (Blocking)', value: 'blocking', description: 'SendMessage: one answer once the task ended or asks for input' },
          { name: 'Stream the Task', value: 'streaming', description: 'SendStreamingMessage: every status update and artifact chunk, returned with the task once it ended (long tasks: no request timeout)' },
          { name: 'Start and Return', value: 'start', description: 'Return the submitted task at once; end the workflow there, or follow it with the agentmesh Task Trigger' },
        ],
        default: 'blocking',
      },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add option',
        default: {},
        options: [
          { displayName: 'Context ID', name: 'contextId', type: 'string', default: '', description: "Continue a conversation: the contextId of an earlier task's answer" },
          { displayName: 'Fail on a Failed Task', name: 'failOnTaskFailure', type: 'boolean', default: true, description: 'Whether a task that ends failed, canceled or rejected stops the workflow (or becomes an error item with Continue On Fail)' },
        ],
      },
    ],
  };

  methods = {
    loadOptions: {
      async getAgents(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
        const agents = await (await gatewayOf(this)).agents();
        return agents.map((a) => ({ name: a.name, value: a.name, description: a.description }));
      },
      async getSkills(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
        const agent = await agentView(this);
        return [{ name: '(Default Skill)', value: '' }, ...(agent?.skills ?? []).map((s) => ({ name: s.name || s.id, value: s.id, description: s.description }))];
      },
    },
    resourceMapping: {
      async getSkillFields(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
        const agent = await agentView(this);
        const skillId = this.getNodeParameter('skill', '') as string;
        const skill = skillId === '' ? agent?.skills[0] : agent?.skills.find((s) => s.id === skillId);
        const fields = fieldsOf(skill?.inputSchema);
        return { fields, ...(fields.length === 0 ? { emptyFieldsNotice: 'This skill takes text (or its registry entry has no input schema): choose Text or JSON input' } : {}) };
      },
    },
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const gateway = await gatewayOf(this);
    const out: INodeExecutionData[] = [];
    const items = this.getInputData();
    for (let i = 0; i < items.length; i++) {
      try {
        const agent = this.getNodeParameter('agent', i) as string;
        const skill = this.getNodeParameter('skill', i, '') as string;
        const mode = this.getNodeParameter('mode', i) as 'blocking' | 'streaming' | 'start';
        const options = this.getNodeParameter('options', i, {}) as { contextId?: string; failOnTaskFailure?: boolean };
        const parts = partsOf(this, i);
        const call = { ...(skill ? { skill } : {}), ...(options.contextId ? { contextId: options.contextId } : {}) };
        let json: Record<string, unknown>;
        if (mode === 'streaming') {
          const events: Array<Record<string, unknown>> = [];
          let task: TaskJson | undefined;
          await gateway.stream(agent, parts, call, (event) => {
            events.push(event);
            if (event['task'] !== undefined) task = event['task'] as TaskJson;
          });
          const taskId = task?.id ?? idOfEvents(events);
          // The stream's events fold into the task the agent stores: read it back whole, as a blocking call answers.
          const final = taskId === undefined ? undefined : await gateway.task(agent, taskId);
          if (final === undefined) throw new Error(`${agent} answered the stream without a task`);
          json = { ...taskItem(final, agent), events };
        } else {
          const answer = await gateway.send(agent, parts, { ...call, returnImmediately: mode === 'start' });
          if (answer.task === undefined) {
            // An agent may answer with a message and no task (A2A §3.1.1).
            json = { agent, message: answer.message ?? null };
          } else {
            json = taskItem(answer.task, agent);
          }
        }
        const state = json['state'];
        if (options.failOnTaskFailure !== false && typeof state === 'string' && state !== 'TASK_STATE_COMPLETED' && (TERMINAL_STATES as readonly string[]).includes(state)) {
          throw new Error(`The ${agent} task ${String(json['taskId'])} ended ${state}: ${String(json['statusText'] ?? '')}`);
        }
        out.push({ json: json as IDataObject, pairedItem: { item: i } });
      } catch (error) {
        if (this.continueOnFail()) {
          out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
          continue;
        }
        throw error;
      }
    }
    return [out];
  }
}

async function gatewayOf(context: IExecuteFunctions | ILoadOptionsFunctions): Promise<Gateway> {
  return new Gateway((await context.getCredentials('agentmeshApi')) as unknown as GatewayCredentials);
}

async function agentView(context: ILoadOptionsFunctions) {
  const name = context.getNodeParameter('agent', '') as string;
  if (name === '') return undefined;
  return (await (await gatewayOf(context)).agents()).find((a) => a.name === name);
}

/** The message's parts from the node's input: the mapped fields or JSON as a data part, or the text. */
function partsOf(context: IExecuteFunctions, i: number): PartJson[] {
  const inputMode = context.getNodeParameter('inputMode', i) as 'fields' | 'json' | 'text';
  if (inputMode === 'text') return [{ text: context.getNodeParameter('text', i) as string }];
  if (inputMode === 'json') {
    const raw = context.getNodeParameter('json', i) as unknown;
    return [{ data: typeof raw === 'string' ? JSON.parse(raw) : raw }];
  }
  const mapped = context.getNodeParameter('fields', i) as ResourceMapperValue;
  return [{ data: dataOf((mapped.value ?? {}) as Record<string, unknown>, mapped.schema ?? []) }];
}

/** The task id the stream's status or artifact updates name. */
function idOfEvents(events: ReadonlyArray<Record<string, unknown>>): string | undefined {
  for (const event of events) {
    const update = (event['statusUpdate'] ?? event['artifactUpdate']) as { taskId?: unknown } | undefined;
    if (typeof update?.taskId === 'string') return update.taskId;
  }
  return undefined;
}
