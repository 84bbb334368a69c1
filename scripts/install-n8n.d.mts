/** Types of install-n8n.mjs, for the tests that import it. */
export declare const N8N_VERSION: string;
export declare function n8nHome(env?: Record<string, string | undefined>): string;
export declare function n8nInstalled(home?: string): boolean;
export declare function installN8n(home?: string): string;
