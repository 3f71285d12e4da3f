/**
 * `deno task bench:cold [--runs N] [--functions a,b]`: only the cold-start part of
 * `deno task bench`, on its own bench stack; prints the table and writes
 * bench-results/cold-start.json.
 */
import { join } from "node:path";
import { signIn } from "./callers.ts";
import { measureColdStart } from "./cold_start.ts";
import { findFunctionPid, readEnviron, reusableEnv, stopAllSpawned } from "./process.ts";
import { renderColdStart } from "./report.ts";
import { PROJECT_ROOT, startBenchStack } from "./stack.ts";

const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const runs = Number(arg("--runs") ?? 10);
const functions = arg("--functions")?.split(",");

const hello = join(PROJECT_ROOT, "bench", "functions", "hello", "index.ts");
const stack = await startBenchStack({ hello });
let code = 0;
try {
  const callers = await signIn(stack);
  const pid = await findFunctionPid(stack.ownerPid, stack.entries["customer-portal"]);
  const env = reusableEnv(await readEnviron(pid));
  const report = await measureColdStart({
    entries: stack.entries,
    hello,
    env,
    ctx: { caller: callers[0], anonKey: stack.info.anonKey },
    runs,
    functions,
    log: (m) => console.error(m),
  });
  const out = join(PROJECT_ROOT, "bench-results");
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(join(out, "cold-start.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(renderColdStart(report).join("\n"));
} catch (error) {
  console.error(error);
  code = 1;
} finally {
  await stopAllSpawned();
  await stack.stop();
}
Deno.exit(code);
