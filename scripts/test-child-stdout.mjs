/**
 * Loaded into every test file's process by scripts/run-tests.mjs (`--import`).
 *
 * Why: the runner ends each file's process as soon as its tests have
 * (`forceExit`), and a process that exits with writes still queued on a pipe
 * loses them. A test file's verdicts reach the runner as writes to stdout, a
 * pipe: without this, the last suites of a file went missing from the report
 * now and then (a file of 22 tests read 18 or 20, 2,000 empty tests read
 * 1,953 or 1,990; nodejs/node#64833), and a verdict the runner never reads
 * cannot fail the tier. Writes that block until the pipe takes them are all
 * delivered before the exit; the runner reads them as they come, so nothing
 * waits long.
 */
/** @type {{ _handle?: { setBlocking?: (blocking: boolean) => unknown } }} */ (process.stdout)._handle?.setBlocking?.(true);
