/**
 * `deno task dev`: the whole local stack in one command, until Ctrl-C.
 * `deno task dev --reset` deletes the local database first (re-seeds it).
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import { readEnvFile } from "./env_file.ts";
import { parseLatencySetting } from "./paddle_simulator/latency.ts";
import { parseIpCountries } from "./paddle_simulator/pricing_preview.ts";
import { parseRateLimitSetting } from "./paddle_simulator/rate_limits.ts";
import { startStack } from "./stack.ts";

const stateDir = join(PROJECT_ROOT, ".local");
const dotenv = await readEnvFile(join(PROJECT_ROOT, ".env"));
const setting = (name: string) => Deno.env.get(name) || dotenv[name] || undefined;
const envPort = (name: string, fallback: number) => Number(setting(name) ?? fallback);

if (Deno.args.includes("--reset") && setting("LOCAL_DB_URL")) {
  console.error(
    "--reset drops only the embedded database; with LOCAL_DB_URL, recreate that database yourself",
  );
  Deno.exit(2);
}
if (Deno.args.includes("--reset")) {
  await Deno.remove(join(stateDir, "db"), { recursive: true }).catch(() => {});
  console.log("local database removed; it will be re-created and seeded");
}

let simulatorSettings;
try {
  simulatorSettings = {
    paddleRateLimit: parseRateLimitSetting(setting("PADDLE_SIMULATOR_RATE_LIMIT")),
    paddleLatencyMs: parseLatencySetting(setting("PADDLE_SIMULATOR_LATENCY_MS")),
    paddleIpCountries: parseIpCountries(setting("PADDLE_SIMULATOR_IP_COUNTRIES")),
  };
} catch (error) {
  console.error((error as Error).message);
  Deno.exit(2);
}

const started = performance.now();
const stack = await startStack({
  stateDir,
  apiPort: envPort("LOCAL_API_PORT", 54321),
  dbPort: envPort("LOCAL_DB_PORT", 54322),
  paddlePort: envPort("LOCAL_PADDLE_PORT", 54325),
  watch: !Deno.args.includes("--no-watch"),
  echoFunctionLogs: true,
  readEnvFiles: true,
  pgBinDir: setting("LOCAL_PG_BIN_DIR"),
  dbUrl: setting("LOCAL_DB_URL"),
  postgrestBin: setting("LOCAL_POSTGREST_BIN"),
  ...simulatorSettings,
});
const { info } = stack;
const users = info.demoUsers.map((u) =>
  `  ${u.email.padEnd(20)} ${
    u.customerId
      ? `${u.customerId} (${u.subscriptionIds.length} subscriptions)`
      : "no Paddle customer"
  }`
).join("\n");
console.log(`
Local stack ready in ${
  Math.round(performance.now() - started)
} ms (local stand-ins; never deploy them)

  Web page        ${info.apiUrl}/
  API (gateway)   ${info.apiUrl}   (/rest/v1, /auth/v1, /functions/v1/{${info.functions.join(",")}})
  Database        ${info.dbUrl}
  Paddle (sim.)   ${info.paddle.apiUrl}   (/__requests, /__faults, /__webhooks; ${
  simulatorSettings.paddleRateLimit ? "Paddle's rate limits on" : "rate limits off"
}${
  simulatorSettings.paddleLatencyMs
    ? `, ${simulatorSettings.paddleLatencyMs.minMs}-${simulatorSettings.paddleLatencyMs.maxMs} ms latency`
    : ""
})
  Payment link    ${info.apiUrl}/checkout.html?_ptxn=txn_…   (webhooks to /functions/v1/paddle-webhook)
  Stack details   ${join(".local", "stack.json")}
  Anon key        ${info.anonKey}

Demo users (password "${info.demoUsers[0]?.password}"):
${users}

Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  await stack.stop();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
