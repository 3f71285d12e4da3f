/**
 * What a cold customer-portal isolate loads before it can answer: its static module graph must
 * not reach the heavy packages its request path loads on first use (deps.ts), or the preflight
 * waits for them again. They must still be in the full graph (literal dynamic imports), which is
 * what the deployed bundle packs. A shared module that imports one of them statically, pulled in
 * by configuration code, is how this breaks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../local/database.ts";

const HEAVY = ["@paddle/paddle-node-sdk", "@supabase/supabase-js", "@supabase/server", "jose"];

interface Info {
  roots: string[];
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
}

async function graph(entry: string): Promise<Info> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Every specifier reachable from the root, following dynamic imports or not. */
function reachable(info: Info, followDynamic: boolean): Set<string> {
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  while (todo.length > 0) {
    const specifier = todo.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code && (followDynamic || !dep.isDynamic)) todo.push(dep.code.specifier);
    }
  }
  return seen;
}

const npmPackage = (specifier: string) => specifier.match(/^npm:\/?(@?[^@/]+(?:\/[^@/]+)?)@/)?.[1];

Deno.test("customer-portal starts without its request path's heavy packages, and still ships them", async () => {
  const info = await graph(join(PROJECT_ROOT, "supabase/functions/customer-portal/index.ts"));
  const atStart = new Set([...reachable(info, false)].map(npmPackage).filter(Boolean));
  const shipped = new Set([...reachable(info, true)].map(npmPackage).filter(Boolean));
  for (const name of HEAVY) {
    assert.ok(!atStart.has(name), `${name} is loaded at start (a static import reaches it)`);
    assert.ok(shipped.has(name), `${name} is missing from the deployed graph`);
  }
});
