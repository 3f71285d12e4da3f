/**
 * Starts the whole local stack in one call: PostgreSQL (bootstrapped, migrated,
 * seeded), PostgREST, the auth stand-in, the Paddle API simulator, the
 * functions, and the gateway in front. `deno task dev` and the test runner
 * both use it; `stop()` ends every process it started.
 */
import { join } from "node:path";
import { createAuthServer } from "./auth_server.ts";
import { prepareDatabase, PROJECT_ROOT, readDemoUsers } from "./database.ts";
import { readPaddleAccount } from "./paddle_account.ts";
import type { DemoUser } from "./database.ts";
import { DEMO_EMAILS, DEMO_PASSWORD } from "./demo_users.ts";
import { readEnvFile } from "./env_file.ts";
import { discoverFunctions, type FunctionProcess, startFunction } from "./functions.ts";
import { createGateway } from "./gateway.ts";
import { apiKeys, loadOrCreateKeys, postgrestJwks } from "./keys.ts";
import { type LatencyRange, startPaddleSimulator } from "./paddle_simulator/mod.ts";
import { freePort } from "./ports.ts";
import { startPostgres } from "./postgres.ts";
import { startPostgrest } from "./postgrest.ts";
import { LOCAL_PADDLE_CLIENT_TOKEN, webRoutes } from "./web_config.ts";

export const PADDLE_SIMULATOR_API_KEY = "pdl_sdbx_apikey_01jlocalsimulator0000000000_localonly";

export interface StackOptions {
  /** Where the database, keys and stack.json live (`.local` for dev, a temp folder for tests). */
  stateDir: string;
  /** Gateway port; 0 picks a free one. */
  apiPort: number;
  dbPort: number;
  paddlePort: number;
  /** Faster, non-durable database settings for throwaway stacks. */
  ephemeral?: boolean;
  /** Restart functions when their sources change. */
  watch?: boolean;
  /** Print function logs to stderr. */
  echoFunctionLogs?: boolean;
  /** Access token lifetime of the auth stand-in. */
  accessTokenSeconds?: number;
  /** Use PostgreSQL binaries from this folder instead of the embedded ones. */
  pgBinDir?: string;
  /**
   * A PostgreSQL server of the user's own, as a superuser URL to an empty database: the bootstrap
   * (roles, auth schema), migrations and seed go into it on first use.
   */
  dbUrl?: string;
  postgrestBin?: string;
  /**
   * Paddle's rate limits in the simulator (default on, as `deno task dev` runs;
   * `PADDLE_SIMULATOR_RATE_LIMIT=off`).
   */
  paddleRateLimit?: boolean;
  /** Simulated Paddle answer time (`PADDLE_SIMULATOR_LATENCY_MS`); default none. */
  paddleLatencyMs?: LatencyRange;
  /** IP address → country for the simulator's pricing previews and checkout (dev: from env). */
  paddleIpCountries?: Readonly<Record<string, string>>;
  /** Read `.env` and `supabase/functions/.env` (dev: yes; tests: no, so they stay hermetic). */
  readEnvFiles?: boolean;
  /** Environment for the functions on top of the stack's own (tests: a short Paddle deadline). */
  functionEnv?: Record<string, string>;
  /** More functions to serve beside supabase/functions (benchmarks): name → entry file. */
  extraFunctions?: Record<string, string>;
  /**
   * Who applies migrations and seed: the stack itself (default; faster) or the Supabase CLI
   * (`supabase db push`; needs `npm ci --prefix tools`). `deno task bench:stack` compares them.
   */
  migrator?: "stack" | "cli";
}

/** What tools and tests need to reach the stack: written to `<stateDir>/stack.json`. */
export interface StackInfo {
  apiUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  dbUrl: string;
  jwtIssuer: string;
  jwtSecret: string;
  signingKey: Record<string, unknown>;
  paddle: { apiUrl: string; apiKey: string; controlUrl: string; webhookSecret: string };
  /** The stack's own control API (stop/start PostgREST, counters, function logs). */
  controlUrl: string;
  functions: string[];
  demoUsers: DemoUser[];
}

/** A stack for tests and benchmarks: a temp folder, free ports, a non-durable database. */
export function throwawayStackOptions(
  stateDir: string,
  more: Partial<StackOptions> = {},
): StackOptions {
  return {
    stateDir,
    apiPort: 0,
    dbPort: 0,
    paddlePort: 0,
    ephemeral: true,
    // Hermetic: a developer's .env must not change what tests and benchmarks measure.
    readEnvFiles: false,
    // The suites burst on purpose (150 concurrent portal calls, thousands in a bench minute):
    // one key and one address would be over Paddle's 240 a minute. The limit has its own tests
    // (local/paddle_simulator/rate_limits_test.ts, tests/paddle_sync_pacing_test.ts), and
    // bench:sync turns it on.
    paddleRateLimit: false,
    pgBinDir: Deno.env.get("LOCAL_PG_BIN_DIR"),
    postgrestBin: Deno.env.get("LOCAL_POSTGREST_BIN"),
    dbUrl: undefined,
    ...more,
  };
}

export interface Stack {
  info: StackInfo;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const started = performance.now();
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };
  try {
    await Deno.mkdir(options.stateDir, { recursive: true });
    const keys = await loadOrCreateKeys(join(options.stateDir, "keys.json"));
    const { anonKey, serviceRoleKey } = await apiKeys(keys);
    const apiPort = options.apiPort || freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const issuer = `${apiUrl}/auth/v1`;

    // A server the user runs themselves is used as it is (and left running); otherwise ours.
    const db = options.dbUrl
      ? { url: options.dbUrl, stop: () => Promise.resolve() }
      : await startPostgres({
        dataDir: join(options.stateDir, "db"),
        port: options.dbPort || freePort(),
        password: "postgres",
        ephemeral: options.ephemeral,
        binDir: options.pgBinDir,
      });
    cleanups.push(db.stop);
    if (options.migrator === "cli") {
      const { prepareDatabaseWithCli } = await import("./supabase_cli.ts");
      await prepareDatabaseWithCli(db.url);
    } else {
      await prepareDatabase(db.url);
    }

    const postgrestPort = freePort();
    const postgrestOptions = {
      dbUrl: authenticatorUrl(db.url),
      port: postgrestPort,
      adminPort: freePort(),
      jwks: postgrestJwks(keys),
      binary: options.postgrestBin,
    };
    let postgrest: Awaited<ReturnType<typeof startPostgrest>> | undefined;
    const startRest = async () => {
      // A second start would race the running PostgREST for its port.
      if (!postgrest) postgrest = await startPostgrest(postgrestOptions);
    };
    const stopRest = async () => {
      const running = postgrest;
      postgrest = undefined;
      await running?.stop();
    };

    const [paddleAccount, demoUsers] = await Promise.all([
      readPaddleAccount(db.url),
      readDemoUsers(db.url, DEMO_EMAILS, DEMO_PASSWORD),
      startRest(),
    ]);
    cleanups.push(stopRest);

    const paddle = await startPaddleSimulator({
      port: options.paddlePort,
      apiKey: PADDLE_SIMULATOR_API_KEY,
      // The account the seeded mirror holds, so the simulator and the database agree.
      entities: paddleAccount.entities,
      // What a sale notifies reaches the stack's own webhook, signed with its secret, as a
      // Paddle notification destination would.
      webhook: { url: `${apiUrl}/functions/v1/paddle-webhook`, secret: keys.webhookSecret },
      // A checkout paid outside the payment-link page returns the buyer to the app.
      checkoutReturnUrl: `${apiUrl}/?checkout=complete`,
      rateLimit: options.paddleRateLimit ?? true,
      latencyMs: options.paddleLatencyMs,
      // Paddle.js's pricing previews from the page authenticate with the client-side token.
      clientToken: LOCAL_PADDLE_CLIENT_TOKEN,
      ipCountries: options.paddleIpCountries,
    });
    for (const reason of paddleAccount.skipped) {
      console.warn(`Paddle simulator: mirrored subscription left out: ${reason}`);
    }
    cleanups.push(paddle.stop);

    const auth = createAuthServer({
      dbUrl: db.url,
      keys,
      issuer,
      accessTokenSeconds: options.accessTokenSeconds,
    });
    cleanups.push(auth.close);

    const functionEnv: Record<string, string> = {
      SUPABASE_URL: apiUrl,
      SUPABASE_ANON_KEY: anonKey,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      SUPABASE_DB_URL: db.url,
      SUPABASE_JWT_ISSUER: issuer,
      SUPABASE_JWT_SECRET: keys.jwtSecret,
      PADDLE_ENV: "sandbox",
      PADDLE_API_KEY: PADDLE_SIMULATOR_API_KEY,
      PADDLE_API_URL: paddle.url,
      PADDLE_WEBHOOK_SECRETS: keys.webhookSecret,
      // The payment-link page the gateway serves (web/checkout.html); Paddle appends _ptxn.
      PADDLE_CHECKOUT_URL: `${apiUrl}/checkout.html`,
    };
    if (options.readEnvFiles) {
      // Empty values (a copied .env.example) mean "not set", not "set to nothing".
      const fromFiles = Object.fromEntries(
        Object.entries({
          ...await readEnvFile(join(PROJECT_ROOT, ".env")),
          ...await readEnvFile(join(PROJECT_ROOT, "supabase", "functions", ".env")),
        }).filter(([name, value]) => value !== "" && !name.startsWith("LOCAL_")),
      );
      // A real Paddle key in .env means "call Paddle's sandbox", not the simulator.
      if (fromFiles.PADDLE_API_KEY && !fromFiles.PADDLE_API_URL) delete functionEnv.PADDLE_API_URL;
      Object.assign(functionEnv, fromFiles);
    }
    Object.assign(functionEnv, options.functionEnv);

    const entries: [string, string | undefined][] = [
      ...(await discoverFunctions()).map((name) => [name, undefined] as [string, undefined]),
      ...Object.entries(options.extraFunctions ?? {}),
    ];
    const names = entries.map(([name]) => name);
    const processes = new Map<string, FunctionProcess>();
    await Promise.all(entries.map(async ([name, entry]) => {
      const process = await startFunction(name, {
        env: functionEnv,
        watch: options.watch,
        echo: options.echoFunctionLogs ? (line) => console.error(line) : undefined,
      }, entry);
      processes.set(name, process);
      cleanups.push(process.stop);
    }));

    const info: StackInfo = {
      apiUrl,
      anonKey,
      serviceRoleKey,
      dbUrl: db.url,
      jwtIssuer: issuer,
      jwtSecret: keys.jwtSecret,
      signingKey: keys.signingKey,
      paddle: {
        apiUrl: paddle.url,
        apiKey: PADDLE_SIMULATOR_API_KEY,
        controlUrl: paddle.url,
        webhookSecret: keys.webhookSecret,
      },
      controlUrl: "",
      functions: names,
      demoUsers,
    };

    const gateway = createGateway({
      postgrestUrl: () => postgrest?.url ?? `http://127.0.0.1:${postgrestPort}`,
      auth,
      functionPort: (name) => processes.get(name)?.port,
      webRoot: join(PROJECT_ROOT, "web"),
      webRoutes: webRoutes(info, options.stateDir),
      apiKeys: [anonKey, serviceRoleKey],
    });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: apiPort, onListen: () => {} },
      gateway.handler,
    );
    cleanups.push(() => server.shutdown());

    const control = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const { pathname, searchParams } = new URL(req.url);
        const route = `${req.method} ${pathname}`;
        if (route === "POST /postgrest/stop") {
          return (await stopRest(), new Response(null, { status: 204 }));
        }
        if (route === "POST /postgrest/start") {
          return (await startRest(), new Response(null, { status: 204 }));
        }
        if (route === "GET /counters") {
          return Response.json({
            ...gateway.counters(),
            paddle: paddle.apiRequestCount(),
            paddle_rate_limited: paddle.rateLimitedCount(),
          });
        }
        if (route === "POST /upstream-delay") {
          gateway.setUpstreamDelay(Number(searchParams.get("ms") ?? 0));
          return new Response(null, { status: 204 });
        }
        if (route === "DELETE /counters") {
          return (gateway.resetCounters(), new Response(null, { status: 204 }));
        }
        const logs = pathname.match(/^\/functions\/([^/]+)\/logs$/);
        const fn = logs && processes.get(logs[1]);
        if (fn && req.method === "GET") return Response.json(fn.logs);
        if (fn && req.method === "DELETE") {
          return (fn.logs.length = 0, new Response(null, { status: 204 }));
        }
        return new Response("Not found", { status: 404 });
      },
    );
    cleanups.push(() => control.shutdown());
    info.controlUrl = `http://127.0.0.1:${control.addr.port}`;

    await Deno.writeTextFile(join(options.stateDir, "stack.json"), JSON.stringify(info, null, 2), {
      mode: 0o600,
    });
    cleanups.push(() => Deno.remove(join(options.stateDir, "stack.json")).catch(() => {}));
    if (options.echoFunctionLogs) {
      console.error(`stack ready in ${Math.round(performance.now() - started)} ms`);
    }
    return { info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** PostgREST logs in as `authenticator` (password `postgres`, set by the bootstrap). */
function authenticatorUrl(superuserUrl: string): string {
  const url = new URL(superuserUrl);
  url.username = "authenticator";
  url.password = "postgres";
  return url.href;
}
