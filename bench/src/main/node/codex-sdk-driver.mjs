// Variant (c) of the codex turns bench: the workload through @openai/codex-sdk, used the way its
// README shows (one Codex client, one Thread per conversation, `await thread.run(prompt)` per
// turn). The SDK spawns `codex exec --experimental-json` for every turn (`exec resume` after the
// first), so each turn pays a codex process start. Prints the same BENCH-RESULT line as the Java
// drivers; the bench runs it as a child process and measures the whole tree.
//
// Usage: node codex-sdk-driver.mjs --sdk-dir DIR --binary CODEX --work-dir DIR
//          --threads N --turns K --prompt-template '...{thread}...{turn}...' [ignored --name value]
// The environment (HOME, CODEX_HOME, the gateway key) is passed on to codex unchanged.
import { pathToFileURL } from "node:url";
import path from "node:path";

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    if (!argv[i].startsWith("--")) throw new Error(`expected --name value pairs, got ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of ["sdk-dir", "binary", "work-dir", "threads", "turns", "prompt-template"]) {
    if (args[name] === undefined) throw new Error(`missing --${name}`);
  }
  return args;
}

function fill(template, thread, turn) {
  return template.replaceAll("{thread}", String(thread)).replaceAll("{turn}", String(turn));
}

// Mirrors Workload.expectedReply: the text inside [[reply:...]].
function expectedReply(template, thread, turn) {
  const start = template.indexOf("[[reply:");
  const end = template.indexOf("]]", start);
  return start < 0 || end < 0 ? null : fill(template.slice(start + 8, end), thread, turn);
}

const args = parseArgs(process.argv.slice(2));
const entry = path.join(args["sdk-dir"], "node_modules", "@openai", "codex-sdk", "dist", "index.js");
const { Codex } = await import(pathToFileURL(entry).href);
const threads = Number(args.threads);
const turns = Number(args.turns);
const template = args["prompt-template"];

const started = process.hrtime.bigint();
// codexPathOverride: the same pinned binary as the other variants (the SDK's own @openai/codex
// dependency is installed without its platform binary)
const codex = new Codex({ codexPathOverride: args.binary, env: { ...process.env } });

async function conversation(index, turns, outcome) {
  const thread = codex.startThread({
    workingDirectory: args["work-dir"],
    skipGitRepoCheck: true,
    sandboxMode: "danger-full-access",
    approvalPolicy: "never",
  });
  for (let turn = 0; turn < turns; turn++) {
    try {
      const result = await thread.run(fill(template, index, turn));
      const expected = expectedReply(template, index, turn);
      if (expected === null || result.finalResponse === expected) {
        outcome.completed++;
      } else {
        outcome.failures.push(`thread ${index} turn ${turn}: reply '${result.finalResponse}'`);
      }
    } catch (error) {
      outcome.failures.push(
        `thread ${index} turn ${turn}: ${String(error.message ?? error).slice(0, 400)}`);
    }
  }
}

async function runWorkload(threads, turns) {
  const outcome = { completed: 0, failures: [] };
  await Promise.all(Array.from({ length: threads }, (_, index) => conversation(index, turns, outcome)));
  return outcome;
}

const millisSince = (start) => Number((process.hrtime.bigint() - start) / 1_000_000n);

// one warm-up turn, as the Java drivers do before their measured window
const warmUp = await runWorkload(1, 1);
if (warmUp.failures.length > 0) {
  console.error(`warm-up turn failed: ${warmUp.failures.join("; ")}`);
  process.exit(1);
}
const ready = process.hrtime.bigint();
console.log("BENCH-MARK ready");
const outcome = await runWorkload(threads, turns);
const wallMillis = millisSince(ready);
console.log("BENCH-MARK done");
console.log("BENCH-RESULT " + JSON.stringify({
  startupMillis: Number((ready - started) / 1_000_000n),
  wallMillis,
  completed: outcome.completed,
  failed: outcome.failures.length,
  errors: outcome.failures.slice(0, 5),
}));
