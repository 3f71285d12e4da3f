/**
 * The pinned tools under tools/ (Supabase CLI, the Edge Runtime's Deno) are npm packages:
 * `npm ci --prefix tools` installs them. `deno task test` and `deno task check:edge` call
 * `ensureTools()` so a developer needs no extra step; it reinstalls only when the lock is newer
 * than the install.
 */
import { join } from "node:path";

const TOOLS_DIR = join(new URL("..", import.meta.url).pathname, "tools");

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

export async function ensureTools(): Promise<void> {
  // npm writes node_modules/.package-lock.json as the record of what it installed.
  const installed = await mtime(join(TOOLS_DIR, "node_modules", ".package-lock.json"));
  const wanted = await mtime(join(TOOLS_DIR, "package-lock.json"));
  if (installed !== undefined && wanted !== undefined && installed >= wanted) return;
  console.error("installing tools/ (Supabase CLI, Deno for the Edge Runtime) with npm ci");
  const status = await new Deno.Command("npm", {
    args: ["ci", "--prefix", TOOLS_DIR, "--no-audit", "--no-fund", "--loglevel=error"],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) throw new Error("npm ci --prefix tools failed");
}
