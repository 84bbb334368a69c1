/**
 * Imported first by each module the package exports (package.json
 * `exports`): on a Node.js agentmesh does not run on, the import fails here,
 * saying which Node it needs and how to get it, before the modules after it
 * load the native SQLite driver. ES modules run their imports in order, so
 * being first is enough.
 */
import { UnsupportedNodeError, unsupportedNodeMessage } from './index.js';

const problem = unsupportedNodeMessage(process);
if (problem !== undefined) throw new UnsupportedNodeError(problem);
