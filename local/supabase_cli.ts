/**
 * The Supabase CLI (npm `supabase`, pinned in tools/package-lock.json, installed by
 * `npm ci --prefix tools`) run against a database URL, the way it works without Docker:
 * `migration list`, `db push`. The tests use it to keep the local stack's migrator honest.
 */
import { join } from "node:path";
import { PROJECT_ROOT, withClient } from "./database.ts";

export const SUPABASE_CLI_VERSION = "2.117.0";

/** The npm package ships its binary in `@supabase/cli-<platform>/bin/supabase`. */
export async function supabaseCliPath(): Promise<string> {
  const dir = join(PROJECT_ROOT, "tools", "node_modules", "@supabase");
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.startsWith("cli-")) continue;
      const binary = join(dir, entry.name, "bin", "supabase");
      try {
        await Deno.stat(binary);
        return binary;
      } catch { /* another platform's package */ }
    }
  } catch { /* not installed */ }
  throw new Error(`no Supabase CLI in ${dir}: run \`npm ci --prefix tools\``);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI on the project folder `workdir` (the one holding `supabase/`). */
export async function runSupabaseCli(
  args: string[],
  workdir = PROJECT_ROOT,
): Promise<CliResult> {
  const out = await new Deno.Command(await supabaseCliPath(), {
    args: [...args, "--workdir", workdir],
    cwd: workdir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // No telemetry, no update check, no colour codes in what the tests read.
    env: { DO_NOT_TRACK: "1", SUPABASE_TELEMETRY_DISABLED: "1", NO_COLOR: "1" },
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** The local servers speak no TLS; the CLI asks for it unless the URL says not to. */
export function cliDbUrl(dbUrl: string): string {
  const url = new URL(dbUrl);
  url.searchParams.set("sslmode", "disable");
  return url.href;
}

/** `supabase db push --include-seed`: pending migrations, then the seed files, no prompts. */
export async function cliDbPush(dbUrl: string, workdir = PROJECT_ROOT): Promise<CliResult> {
  return await runSupabaseCli(
    ["db", "push", "--db-url", cliDbUrl(dbUrl), "--include-seed", "--yes"],
    workdir,
  );
}

/**
 * The other way to prepare the stack's database: the bootstrap (which stands in for Supabase's
 * image) on a bare database, then `supabase db push --include-seed`, which applies what is
 * pending and seeds once. `deno task bench:stack` measures it against the stack's own migrator
 * (`prepareDatabase`), which the stack uses: see docs/benchmarks.md for why.
 */
export async function prepareDatabaseWithCli(dbUrl: string): Promise<string[]> {
  await withClient(dbUrl, async (client) => {
    const { rows: [{ bare }] } = await client.query<{ bare: boolean }>(
      "select to_regclass('auth.users') is null as bare",
    );
    if (bare) {
      await client.query("begin");
      await client.query(await Deno.readTextFile(join(PROJECT_ROOT, "local", "bootstrap.sql")));
      await client.query("commit");
    }
  });
  const push = await cliDbPush(dbUrl);
  if (push.code !== 0) throw new Error(`supabase db push failed: ${push.stderr}`);
  return [...(push.stdout + push.stderr).matchAll(/Applying migration (\S+)\.\.\./g)].map((m) =>
    m[1]
  );
}
