import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type AgentmeshError, isAgentmeshError, Errors, errorMessage } from '../../protocol/index.js';
import { buildDefinition } from './build-definition.js';
import { formatPath, type PathSegment } from './json-path.js';
import { checkWorkflow } from './workflow-checks.js';
import type { WorkflowDefinition } from './workflow-definition.js';
import { WorkflowInvalidError, type WorkflowIssue } from './workflow-issues.js';
import { schemaProblems } from './workflow-schema.js';
import { MAX_WORKFLOW_BYTES, readYamlSource, type LocateOptions, type SourcePosition } from './yaml-source.js';

/*
 * The loader: text or object in, a frozen WorkflowDefinition out, or one
 * WorkflowInvalidError listing every problem with its place. Two passes run
 * side by side on the parsed document — the schema (shape) and the
 * cross-checks (references, ids, limits) — so one run of the loader shows
 * the author everything to fix. YAML syntax errors stop earlier: there is no
 * document to check.
 */

/** Extensions read by {@link loadWorkflowFolder}. */
export const WORKFLOW_FILE_EXTENSIONS: readonly string[] = Object.freeze(['.yaml', '.yml', '.json']);

export interface ParseWorkflowOptions {
  /** Where the text came from (file path, `<inline>`): named in every problem and kept as `source`. */
  source: string;
}

type Locator = (path: readonly PathSegment[], options?: LocateOptions) => SourcePosition | undefined;

/**
 * Parses a workflow written in YAML or JSON.
 *
 * @example
 * const def = parseWorkflow(await readFile('flows/campaign.yaml', 'utf8'), { source: 'flows/campaign.yaml' });
 * @throws WorkflowInvalidError (`AM_ERR_WORKFLOW_INVALID`) with every problem as `file:line:column path: message`.
 */
export function parseWorkflow(text: string, options: ParseWorkflowOptions): WorkflowDefinition {
  const { document, problems } = readYamlSource(text);
  if (document === undefined) {
    throw new WorkflowInvalidError(
      options.source,
      problems.map((p) => ({ file: options.source, line: p.line, column: p.column, path: '(root)', message: p.message })),
    );
  }
  return validated(document.data, options.source, (path, locateOptions) => document.locate(path, locateOptions));
}

/**
 * Parses a workflow given as an object (a definition sent inline as JSON).
 * Problems carry paths but no line numbers. The object is copied, not frozen
 * in place.
 *
 * @example
 * parseWorkflowObject({ name: 'echo-twice', steps: [{ id: 'a', call: { agent: 'echo' }, input: 'hi' }] }, { source: '<inline>' });
 */
export function parseWorkflowObject(obj: unknown, options: ParseWorkflowOptions): WorkflowDefinition {
  let copy: unknown;
  try {
    copy = structuredClone(obj);
  } catch {
    throw new WorkflowInvalidError(options.source, [{ file: options.source, path: '(root)', message: 'must hold JSON values only (no functions or symbols)' }]);
  }
  return validated(copy, options.source, () => undefined);
}

function validated(data: unknown, source: string, locate: Locator): WorkflowDefinition {
  const issues: WorkflowIssue[] = [];
  const issue = (path: PathSegment[], message: string, at: LocateOptions): void => {
    const where = locate(path, at);
    issues.push({ file: source, ...(where === undefined ? {} : { line: where.line, column: where.column }), path: formatPath(path), message });
  };
  const shape = schemaProblems(data);
  for (const p of shape) issue(p.path, p.message, { key: p.key });
  const shapeAt = shape.map((p) => formatPath(p.path));
  for (const p of checkWorkflow(data)) {
    const path = formatPath(p.path);
    if (p.unlessSchemaProblem && shapeAt.some((s) => s === path || s.startsWith(`${path}.`) || s.startsWith(`${path}[`))) continue;
    issue(p.path, p.message, { ...(p.key === undefined ? {} : { key: p.key }), ...(p.offset === undefined ? {} : { offset: p.offset }) });
  }
  if (issues.length > 0) throw new WorkflowInvalidError(source, sortIssues(issues));
  return buildDefinition(data, source, (path) => locate(path));
}

/** File order when positions are known; otherwise as found (schema first). */
function sortIssues(issues: WorkflowIssue[]): WorkflowIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.i - b.i)
    .map(({ issue }) => issue);
}

/**
 * Reads and parses one workflow file.
 *
 * @example
 * const def = await loadWorkflowFile('workflows/lookalike-campaign.yaml');
 * @throws WorkflowInvalidError, also when the file cannot be read.
 */
export async function loadWorkflowFile(path: string): Promise<WorkflowDefinition> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_WORKFLOW_BYTES) throw new Error(`file is larger than ${MAX_WORKFLOW_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WorkflowInvalidError(path, [{ file: path, path: '(root)', message: `cannot be read: ${errorMessage(err)}` }]);
  }
  return parseWorkflow(text, { source: path });
}

export interface WorkflowFolder {
  /** Definitions that loaded, in file-name order. */
  workflows: WorkflowDefinition[];
  /** Files that did not, each with its error (WorkflowInvalidError). */
  errors: Array<{ file: string; error: AgentmeshError }>;
}

/**
 * Loads every `*.yaml`, `*.yml` and `*.json` file directly in `dir`. A bad
 * file does not stop the others; two files with the same workflow name keep
 * the first (by file name) and report the second.
 *
 * @example
 * const { workflows, errors } = await loadWorkflowFolder('workflows');
 * for (const { file, error } of errors) logger.error({ file }, error.message);
 * @throws AgentmeshError `AM_ERR_CONFIG_INVALID` when the folder itself cannot be read.
 */
export async function loadWorkflowFolder(dir: string): Promise<WorkflowFolder> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() && WORKFLOW_FILE_EXTENSIONS.includes(extname(e.name).toLowerCase())).map((e) => e.name);
  } catch (err) {
    throw Errors.workflowFolderUnreadable({ dir, reason: errorMessage(err) }, { cause: err });
  }
  const result: WorkflowFolder = { workflows: [], errors: [] };
  const byName = new Map<string, string>();
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const def = await loadWorkflowFile(file);
      const first = byName.get(def.name);
      if (first !== undefined) {
        throw new WorkflowInvalidError(file, [{ file, path: 'name', message: `workflow ${def.name} is already defined in ${first}` }]);
      }
      byName.set(def.name, file);
      result.workflows.push(def);
    } catch (err) {
      if (!isAgentmeshError(err)) throw err;
      result.errors.push({ file, error: err });
    }
  }
  return result;
}
