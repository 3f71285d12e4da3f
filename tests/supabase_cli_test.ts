/**
 * The real Supabase CLI against the project: it loads supabase/config.toml, and
 * `supabase db push --include-seed` on a freshly bootstrapped database builds exactly the schema
 * and migration history the local stack's migrator builds (the stack applies the migrations itself because it
 * starts faster that way; this test is what keeps the two the same).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="@types/pg"
import pg from "pg";
import { diffCatalogs, readCatalog } from "../local/catalog.ts";
import { migrationFiles, prepareDatabase, PROJECT_ROOT, withClient } from "../local/database.ts";
import { freePort } from "../local/ports.ts";
import { startPostgres } from "../local/postgres.ts";
import {
  cliDbPush,
  cliDbUrl,
  runSupabaseCli,
  SUPABASE_CLI_VERSION,
} from "../local/supabase_cli.ts";
import { stackInfo } from "./_stack.ts";

Deno.test("the CLI is the pinned release", async () => {
  const { code, stdout } = await runSupabaseCli(["--version"]);
  assert.equal(code, 0);
  assert.equal(stdout.trim(), SUPABASE_CLI_VERSION);
});

/** The project's supabase/ folder copied, so a test can break its config.toml. */
async function projectCopy(editConfig: (toml: string) => string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cli-project-" });
  await Deno.mkdir(join(dir, "supabase", "migrations"), { recursive: true });
  for (const file of await migrationFiles()) {
    await Deno.copyFile(
      join(PROJECT_ROOT, "supabase", "migrations", file),
      join(dir, "supabase", "migrations", file),
    );
  }
  const toml = await Deno.readTextFile(join(PROJECT_ROOT, "supabase", "config.toml"));
  const edited = editConfig(toml);
  await Deno.writeTextFile(join(dir, "supabase", "config.toml"), edited);
  return dir;
}

Deno.test("config.toml loads in the CLI, and a broken key fails it", async (t) => {
  const dbUrl = cliDbUrl(stackInfo().dbUrl);
  await t.step(
    "the project's own config: migration list runs and sees every migration",
    async () => {
      const { code, stdout, stderr } = await runSupabaseCli([
        "migration",
        "list",
        "--db-url",
        dbUrl,
      ]);
      assert.equal(code, 0, stderr);
      for (const file of await migrationFiles()) {
        const version = file.split("_")[0];
        // Local and remote columns: the stack recorded every migration the way the CLI reads it.
        assert.match(stdout, new RegExp(`${version}\\S*\\s*\\|\\s*\\S*${version}`), stdout);
      }
    },
  );
  const broken: [string, (toml: string) => string, RegExp][] = [
    [
      "an invalid db.major_version",
      (toml) => toml.replace(/^major_version = \d+$/m, "major_version = 99"),
      /Invalid db\.major_version/,
    ],
    [
      "an invalid edge_runtime.deno_version",
      (toml) => toml.replace(/^deno_version = \d+$/m, "deno_version = 7"),
      /Invalid edge_runtime\.deno_version/,
    ],
    [
      "a key without a value",
      (toml) => toml.replace(/^max_rows = \d+$/m, "max_rows = "),
      /config/i,
    ],
  ];
  for (const [what, edit, message] of broken) {
    await t.step(`${what} fails it`, async () => {
      const dir = await projectCopy((toml) => {
        const edited = edit(toml);
        assert.notEqual(edited, toml, "the edit must change the config");
        return edited;
      });
      try {
        const { code, stderr } = await runSupabaseCli(
          ["migration", "list", "--db-url", dbUrl],
          dir,
        );
        assert.notEqual(code, 0);
        assert.match(stderr, message);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});

interface HistoryRow {
  version: string;
  name: string;
  statements: string[];
}

async function history(dbUrl: string) {
  return await withClient(dbUrl, async (client: pg.Client) => ({
    migrations: (await client.query<HistoryRow>(
      "select version, name, statements from supabase_migrations.schema_migrations order by version",
    )).rows,
    seeds: (await client.query<{ path: string; hash: string }>(
      "select path, hash from supabase_migrations.seed_files order by path",
    )).rows,
  }));
}

/** Every statement, in order, is a piece of the migration file's text. */
function assertStatementsCover(file: string, sql: string, statements: string[]) {
  let from = 0;
  for (const statement of statements) {
    const at = sql.indexOf(statement.trim(), from);
    assert.ok(at >= 0, `${file}: a recorded statement is not in the file after offset ${from}`);
    from = at + statement.trim().length;
  }
  assert.equal(sql.slice(from).replace(/--[^\n]*/g, "").replace(/[;\s]/g, ""), "", file);
}

/** A PostgreSQL server of the test's own: the bootstrap creates cluster-wide roles. */
async function freshServer(dir: string) {
  return await startPostgres({
    dataDir: dir,
    port: freePort(),
    password: "postgres",
    ephemeral: true,
    binDir: Deno.env.get("LOCAL_PG_BIN_DIR"),
  });
}

Deno.test("supabase db push --include-seed builds the schema and history the stack builds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-db-" });
  // Two fresh servers: one prepared by the stack's own migrator (what `deno task dev` runs on a
  // new database), one bootstrapped and then given to the CLI. Not the test stack's database:
  // other tests add objects to it.
  const [stackServer, cliServer] = await Promise.all([
    freshServer(join(dir, "stack")),
    freshServer(join(dir, "cli")),
  ]);
  try {
    await prepareDatabase(stackServer.url);
    await withClient(cliServer.url, async (client) => {
      await client.query(await Deno.readTextFile(join(PROJECT_ROOT, "local", "bootstrap.sql")));
    });
    const push = await cliDbPush(cliServer.url);
    assert.equal(push.code, 0, push.stderr);
    for (const file of await migrationFiles()) {
      assert.match(push.stderr + push.stdout, new RegExp(file));
    }

    const [stackCatalog, cliCatalog] = await Promise.all([
      readCatalog(stackServer.url),
      readCatalog(cliServer.url),
    ]);
    assert.ok(stackCatalog.tables.some((line) => line.startsWith("public.customers ")));
    assert.ok(stackCatalog.policies.length > 0 && stackCatalog.functions.length > 0);
    const diff = diffCatalogs(stackCatalog, cliCatalog, ["deno task dev", "supabase db push"]);
    assert.equal(diff, "", `the schemas differ:\n${diff}`);

    const [ours, theirs] = await Promise.all([history(stackServer.url), history(cliServer.url)]);
    const files = await migrationFiles();
    const expected = files.map((f) => f.replace(/\.sql$/, "").split(/_(.*)/s).slice(0, 2));
    assert.deepEqual(ours.migrations.map((m) => [m.version, m.name]), expected);
    assert.deepEqual(theirs.migrations.map((m) => [m.version, m.name]), expected);
    for (const [i, file] of files.entries()) {
      const sql = await Deno.readTextFile(join(PROJECT_ROOT, "supabase", "migrations", file));
      // The CLI records a migration statement by statement, the stack as one batch: both are
      // the file's text.
      assertStatementsCover(file, sql, theirs.migrations[i].statements);
      assertStatementsCover(file, sql, ours.migrations[i].statements);
    }
    assert.deepEqual(ours.seeds, theirs.seeds);
    assert.equal(ours.seeds.length, 1);

    // And the CLI, asked on the stack-built database, finds nothing left to do (nor to seed).
    const again = await cliDbPush(stackServer.url);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, /up to date/i);
  } finally {
    await Promise.all([stackServer.stop(), cliServer.stop()]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
