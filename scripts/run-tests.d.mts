/** The flags of each test file's process (run-tests.mjs). */
export const TEST_CHILD_EXEC_ARGV: string[];
