/** Types of build-cli-bundle.mjs, for the tests that build the bundle from src/. */
export function buildCliBundle(options: { entry: string; outDir: string }): Promise<{ inputs: Array<{ path: string; importers: string[] }> }>;
