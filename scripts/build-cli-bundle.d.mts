/** Types of build-cli-bundle.mjs, for the test that builds the bundle from src/. */
export function buildCliBundle(options: { entry: string; outDir: string }): Promise<void>;
