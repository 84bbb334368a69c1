/**
 * Builds deploy/Dockerfile as the image tests' image, ahead of them: .ci/run starts it in the
 * background once Podman is installed, so the cold build (the base image made by debootstrap, then
 * `npm ci` and the build stage; minutes, much of it waiting on downloads) overlaps lint, the
 * type-check and `npm test`; the image tests' own build then finds every layer in Podman's store.
 *
 * Usage: node --import tsx test/image/build-image.ts   (prints the log folder; exits 1 when the build fails)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, IMAGE, requireTools } from './podman.js';

const logs = mkdtempSync(join(tmpdir(), 'agentmesh-image-build-'));
try {
  requireTools();
  const built = await buildImage(logs);
  process.stdout.write(`${IMAGE}: base ${built.base}${built.baseMade ? ' (made now)' : ''}; build ${built.seconds.toFixed(0)} s; logs in ${logs}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\nlogs in ${logs}\n`);
  process.exitCode = 1;
}
