/**
 * What `agentmesh agent serve` says when the agent's module does not load
 * for a reason the person serving it can fix in one step: TypeScript that
 * Node cannot run by erasing its types, or agentmesh missing from the
 * project the module sits in (it is not on the npm registry yet, so
 * `npm install agentmesh` is no answer).
 */
import { errorCode, errorMessage, Errors, type AgentmeshError } from '../../protocol/index.js';
import { packageRoot } from './init/init-scaffold.js';

/** The usage error to report instead of `err`, the module's import failure, or undefined to report `err` as it is. */
export function agentModuleRefusal(modulePath: string, err: unknown): AgentmeshError | undefined {
  const code = errorCode(err);
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return Errors.usageRefused(
      {
        reason: `${modulePath}: ${firstLine(errorMessage(err))}. Node runs a .ts file by erasing its types, which this syntax does not allow: compile it (npx tsc) and serve the .js, or install tsx in the project (npm install -D tsx) and serve it with NODE_OPTIONS='--import tsx' npx agentmesh agent serve ${modulePath}`,
      },
      { cause: err },
    );
  }
  const missing = code === 'ERR_MODULE_NOT_FOUND' ? /^Cannot find package '(agentmesh)(?:\/[^']*)?' imported from (.+)$/.exec(firstLine(errorMessage(err))) : null;
  if (missing !== null) {
    return Errors.usageRefused(
      {
        reason: `${missing[2]} imports agentmesh, which its project does not have: agentmesh is not on the npm registry yet, so install this one there: npm install ${packageRoot()} (or a tarball \`npm pack\` made of it)`,
      },
      { cause: err },
    );
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
