#!/usr/bin/env node
// An independent checker of Coffer's test vectors, written from docs/format.md and
// docs/format-stream.md (and tests/vectors/README.md for derive/) alone, on libsodium.
//
//   node tests/vectors/js/check.mjs [--root DIR] [--verbose]
//
// Walks every *.json under DIR (default: tests/vectors/, this folder and node_modules aside),
// checks each against the table in kinds.mjs (a success must recompute every output exactly;
// a failure must be refused), prints one line a failing vector and a summary line, and exits
// 0 only when every vector file found was checked and passed. A folder or kind the table does
// not know is a failure, never a skip.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SKIP_DIRS = new Set(["node_modules", "__pycache__"]);

function usage(message) {
  process.stderr.write(`${message}\nusage: node check.mjs [--root DIR] [--verbose]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { root: resolve(HERE, ".."), verbose: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--root") {
      if (i + 1 >= argv.length) usage("--root needs a directory");
      args.root = resolve(argv[++i]);
    } else if (argv[i].startsWith("--root=")) {
      args.root = resolve(argv[i].slice("--root=".length));
    } else if (argv[i] === "--verbose" || argv[i] === "-v") {
      args.verbose = true;
    } else {
      usage(`unknown argument ${argv[i]}`);
    }
  }
  return args;
}

// Every vector file: *.json anywhere under root, except in this checker's own folder
// (package.json, package-lock.json) when it sits inside root.
function vectorFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (SKIP_DIRS.has(entry.name) || resolve(path) === HERE) continue;
        walk(path);
      } else if (entry.name.endsWith(".json")) {
        found.push(path);
      }
    }
  };
  walk(root);
  return found.sort();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!statSync(args.root, { throwIfNoEntry: false })?.isDirectory()) usage(`not a directory: ${args.root}`);

  const { loadSodium } = await import("./format.mjs");
  await loadSodium();
  const { KINDS, KIND_OF, Failure } = await import("./kinds.mjs");

  const files = vectorFiles(args.root);
  let passed = 0;
  let failed = 0;
  for (const path of files) {
    const rel = relative(args.root, path).split(sep).join("/");
    const folder = rel.includes("/") ? rel.split("/")[0] : "";
    let problem = null;
    try {
      if (!(folder in KIND_OF)) throw new Failure(`unknown folder ${JSON.stringify(folder || ".")}: no checker for it`);
      let vector;
      try {
        vector = JSON.parse(readFileSync(path, "utf8"));
      } catch (e) {
        throw new Failure(`not JSON: ${e.message}`);
      }
      if (vector === null || typeof vector !== "object" || Array.isArray(vector)) throw new Failure("not a JSON object");
      const kind = KIND_OF[folder](vector);
      const check = KINDS[`${folder}/${kind}`];
      if (typeof kind !== "string" || check === undefined) {
        throw new Failure(`unknown kind ${JSON.stringify(kind)} in ${folder}/: no checker for it`);
      }
      if (vector.name !== basename(path, ".json")) {
        throw new Failure(`its name ${JSON.stringify(vector.name)} is not its file's`);
      }
      check(vector);
    } catch (e) {
      problem = e instanceof Failure ? e.message : `checker error: ${e.stack || e}`;
    }
    if (problem === null) {
      passed += 1;
      if (args.verbose) console.log(`ok   ${rel}`);
    } else {
      failed += 1;
      console.log(`FAIL ${rel}: ${problem}`);
    }
  }

  const checked = passed + failed;
  let summary = `checked ${checked} vectors: ${passed} passed`;
  if (failed) summary += `, ${failed} failed`;
  if (checked !== files.length) summary += ` (but ${files.length} vector files were found)`;
  if (files.length === 0) summary += ` (no vector files under ${args.root})`;
  console.log(summary);
  process.exit(failed === 0 && checked === files.length && files.length > 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`checker error: ${e.stack || e}`);
  process.exit(1);
});
