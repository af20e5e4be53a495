// Checks that xieshang's and PostGraphile's answers to the same read hold the same items, in the
// same order: `node same-items.js xieshang.json postgraphile.json`. Exits 1 (and says where)
// when they differ, or when either answer carries errors or no data.
//
// Each answer becomes a list of `path = value` lines, one per scalar in document order; array
// indices and the connection wrappers `nodes`, `edges` and `node` are left out of the path, so
// xieshang's `counties: [...]` and `members { edges { role node { name } } }` and PostGraphile's
// `counties { nodes [...] }` and `members { edges: nodes { role node: memberByMemberId { name } } }`
// read alike. The PostGraphile queries alias their fields to xieshang's names. Members of an
// object are taken in name order: the comparison is about items, and xieshang does not always
// answer in the order of the selection set (a county's `consultations` may come before its
// `lounges`).
"use strict";

const fs = require("fs");

const WRAPPERS = new Set(["nodes", "edges", "node"]);

function items(value, path, out) {
  if (Array.isArray(value)) {
    for (const item of value) items(item, path, out);
  } else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value).sort()) {
      items(value[key], WRAPPERS.has(key) ? path : path.concat(key), out);
    }
  } else {
    out.push(`${path.join(".")} = ${JSON.stringify(value)}`);
  }
  return out;
}

function load(file) {
  const answer = JSON.parse(fs.readFileSync(file, "utf8"));
  if (answer.errors || !answer.data) {
    console.error(`${file}: not a clean answer: ${JSON.stringify(answer).slice(0, 500)}`);
    process.exit(1);
  }
  return items(answer.data, [], []);
}

const [left, right] = process.argv.slice(2);
const a = load(left);
const b = load(right);
const length = Math.max(a.length, b.length);
for (let i = 0; i < length; i++) {
  if (a[i] !== b[i]) {
    console.error(`answers differ at item ${i + 1} of ${a.length} / ${b.length}:`);
    console.error(`  ${left}: ${a[i]}`);
    console.error(`  ${right}: ${b[i]}`);
    process.exit(1);
  }
}
const fields = new Set(a.map((line) => line.split(" = ")[0]));
console.log(`same items: ${a.length} values of ${fields.size} fields`);
