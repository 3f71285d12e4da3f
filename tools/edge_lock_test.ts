import assert from "node:assert/strict";
import { join } from "node:path";
import { EDGE_LOCK } from "./check_edge.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Lock {
  version: string;
  specifiers: Record<string, string>;
  npm: Record<string, { integrity: string }>;
}

async function readLock(path: string): Promise<Lock> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** `@scope/name@1.2.3_peer@4` → `@scope/name@1.2.3`: the peer suffix differs between versions. */
function packageId(key: string): string {
  return key.replace(/^(@?[^@]+@[^_]+)_.*$/, "$1");
}

// Packages Deno 2.1.4 adds by itself to type-check npm code (its default @types/node); the
// functions never import them, so they are not in the project's lock.
const EDGE_TYPE_ONLY = /^(@types\/node|undici-types)@/;

Deno.test("the Edge Deno's lock pins the same packages, versions and hashes as deno.lock", async () => {
  const main = await readLock(join(ROOT, "deno.lock"));
  const edge = await readLock(EDGE_LOCK);
  assert.equal(edge.version, "4", "Deno 2.1.4 reads lock version 4");
  const mainIntegrity = new Map(
    Object.entries(main.npm).map((
      [key, value],
    ) => [packageId(key), value.integrity]),
  );
  const edgePackages = Object.entries(edge.npm).filter(([key]) => !EDGE_TYPE_ONLY.test(key));
  assert.ok(
    edgePackages.length > 5,
    "the edge lock lists the functions' packages",
  );
  for (const [key, { integrity }] of edgePackages) {
    const id = packageId(key);
    assert.ok(
      mainIntegrity.has(id),
      `${id} is in tools/deno-edge.lock but not in deno.lock`,
    );
    assert.equal(
      integrity,
      mainIntegrity.get(id),
      `${id}: integrity differs between the locks`,
    );
  }
});

Deno.test("every npm import of the functions resolves to the same exact version in both locks", async () => {
  const main = await readLock(join(ROOT, "deno.lock"));
  const edge = await readLock(EDGE_LOCK);
  const functionSpecifiers = Object.keys(edge.specifiers).filter((s) => !s.includes("@types/node"));
  assert.ok(functionSpecifiers.length > 0);
  for (const specifier of functionSpecifiers) {
    // Exact pins only: a range would let the two Denos pick different releases.
    assert.match(
      specifier,
      /@\d+\.\d+\.\d+[^@]*$/,
      `${specifier} is not an exact version`,
    );
    assert.ok(
      main.specifiers[specifier],
      `${specifier} is missing from deno.lock`,
    );
    assert.equal(
      packageId(`x@${edge.specifiers[specifier]}`),
      packageId(`x@${main.specifiers[specifier]}`),
      specifier,
    );
  }
});
