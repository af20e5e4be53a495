#!/usr/bin/env node
// Checks a GraphQL endpoint against the GraphQL-over-HTTP spec with the audits of
// the npm package `graphql-http` (version pinned in package-lock.json).
//
//   node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints every audit as `<MUST|SHOULD|MAY> <ok|notice|warn|error>  <id> <name>`,
// with the reason and HTTP status of each one that is not ok. Exits 1 when a MUST
// fails or a SHOULD is not ok (MAY results are only reported), 2 on bad usage.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs <GraphQL endpoint URL>');
  process.exit(2);
}

const counts = { ok: 0, MUST: 0, SHOULD: 0, MAY: 0 };
// One audit at a time: the output stays in spec order and the server sees no burst.
for (const audit of serverAudits({ url })) {
  const level = audit.name.split(' ')[0];
  let result;
  try {
    result = await audit.fn();
  } catch (error) {
    // Audits throw only on fatal errors, such as a server that does not answer.
    result = { status: 'error', reason: `audit could not run: ${error.message ?? error}` };
  }
  console.log(`${level.padEnd(6)} ${result.status.padEnd(6)} ${audit.id} ${audit.name}`);
  if (result.status === 'ok') {
    counts.ok += 1;
  } else {
    counts[level] += 1;
    const status = result.response ? ` (HTTP ${result.response.status})` : '';
    console.log(`                   ${result.reason}${status}`);
  }
}

console.log(
  `\ngraphql-http audit of ${url}: ${counts.ok} ok; not ok: ${counts.MUST} MUST, ` +
    `${counts.SHOULD} SHOULD, ${counts.MAY} MAY`,
);
process.exit(counts.MUST > 0 || counts.SHOULD > 0 ? 1 : 0);
