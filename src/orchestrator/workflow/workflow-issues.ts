import { AgentmeshError, Errors } from '../../protocol/index.js';

/**
 * One problem of a workflow definition, located as precisely as the source
 * allows: a YAML/JSON file gives line and column (1-based); an object sent
 * inline has none, only the path.
 */
export interface WorkflowIssue {
  /** The file path, or `<inline>` (whatever `source` the caller gave). */
  file: string;
  line?: number;
  column?: number;
  /** Where in the document, as written: `steps[1].parallel.quorum`; `(root)` for the whole. */
  path: string;
  message: string;
}

/** `file:line:column path: message` (line and column left out when unknown). */
export function formatIssue(issue: WorkflowIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where} ${issue.path}: ${issue.message}`;
}

/**
 * Thrown by the loader when a definition is refused: code
 * `AM_ERR_WORKFLOW_INVALID`, a message listing every problem one per line,
 * and the problems themselves in `issues`. `details` (client-safe strings,
 * ErrorInfo metadata) carries the source and the count; `violations` carries
 * each problem as a BadRequest field violation so A2A clients see them all.
 *
 * @example
 * try { parseWorkflow(text, { source: 'flows/a.yaml' }) }
 * catch (err) { if (isAgentmeshError(err) && err.code === ErrorCodes.WORKFLOW_INVALID) console.error(err.message) }
 */
export class WorkflowInvalidError extends AgentmeshError {
  readonly issues: readonly WorkflowIssue[];

  constructor(source: string, issues: WorkflowIssue[]) {
    const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    const declared = Errors.workflowDefinitionInvalid;
    super(declared.code, declared.format({ source, count, issues: issues.map((i) => `  ${formatIssue(i)}`).join('\n') }), {
      details: { source, issues: String(issues.length) },
      violations: issues.map((i) => ({
        field: i.path,
        description: i.line === undefined ? i.message : `${i.message} (${i.file}:${i.line}:${i.column ?? 1})`,
      })),
    });
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}
