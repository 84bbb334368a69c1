#!/usr/bin/env node
/**
 * `curl` for the README tour test, which runs where Node alone is installed
 * (`npm test`): the flags the README's commands use, as curl defines them,
 * and nothing else. A README edit that uses another flag fails here by name
 * instead of running differently.
 *
 *   -s                 silent (this never prints progress anyway)
 *   -o <file>          write the body to <file> (/dev/null: drop it)
 *   -w <format>        after the body, print <format>: %{http_code}, \n
 *   -d <data>          POST <data> as application/x-www-form-urlencoded
 */
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
let output;
let format;
let data;
let url;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '-s') continue;
  if (arg === '-o') output = args[++i];
  else if (arg === '-w') format = args[++i];
  else if (arg === '-d') data = args[++i];
  else if (arg.startsWith('-')) {
    process.stderr.write(`readme-curl: ${arg} is not a flag this stand-in knows; teach test/helpers/readme-curl.mjs what curl does with it\n`);
    process.exit(2);
  } else if (url === undefined) url = arg;
  else {
    process.stderr.write(`readme-curl: a second URL (${arg})\n`);
    process.exit(2);
  }
}
if (url === undefined) {
  process.stderr.write('readme-curl: no URL\n');
  process.exit(2);
}
let res;
try {
  res = await fetch(url, data === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: data });
} catch (err) {
  // curl's "couldn't connect" exit code.
  process.stderr.write(`curl: (7) ${err.cause?.message ?? err.message}\n`);
  process.exit(7);
}
const body = Buffer.from(await res.arrayBuffer());
if (output === undefined) process.stdout.write(body);
else if (output !== '/dev/null') writeFileSync(output, body);
if (format !== undefined) process.stdout.write(format.replaceAll('%{http_code}', String(res.status)).replaceAll('\\n', '\n'));
