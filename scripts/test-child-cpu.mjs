/**
 * Loaded into every test file's process by scripts/run-tests.mjs (`--import`) when TEST_CPU=1: at the
 * file's exit it writes the CPU its process spent (user and system) and that of the descendants it
 * reaped (the roles and CLIs the tests start, and theirs as they reaped them) to a file in
 * TEST_CPU_DIR, which the runner ranks at the end of the tier.
 *
 * Why: the tiers are bound by CPU on two cores, and a file's wall time mostly says how long it waited
 * (on other files as much as on its own processes); the CPU it costs is what a cut has to lower.
 * A descendant still running at the exit (one a test left behind) is not counted: no process can read
 * the usage of a child it has not reaped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TEST_CPU_DIR;
// Only this process records: the processes the tests start inherit the environment, not this hook,
// but one started with this process's own flags would write a second record for the same file.
delete process.env.TEST_CPU_DIR;

if (dir !== undefined) {
  const file = process.argv[1];
  process.on('exit', () => {
    const own = process.resourceUsage();
    // /proc/<pid>/stat fields 16 and 17 (after the command's parenthesis, 14 and 15): the children's
    // user and system time in clock ticks, those reaped so far (proc(5)); the tick is 1/100 s on Linux.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    const ticks = (index) => Number(fields[index]) / 100;
    const record = {
      file,
      user: own.userCPUTime / 1e6,
      system: own.systemCPUTime / 1e6,
      childrenUser: ticks(13),
      childrenSystem: ticks(14),
    };
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(record));
  });
}
