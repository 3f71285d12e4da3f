import assert from "node:assert/strict";
import { diffCatalogs } from "./catalog.ts";

Deno.test("the same catalogs have no diff", () => {
  const catalog = { tables: ["public.a kind=r"], policies: ["p1"] };
  assert.equal(diffCatalogs(catalog, structuredClone(catalog)), "");
});

Deno.test("a diff names the section and which side has each line", () => {
  const diff = diffCatalogs(
    { tables: ["public.a kind=r"], indexes: ["CREATE INDEX i ON public.a (x)"] },
    { tables: ["public.a kind=r"], indexes: [], policies: ["public.a p PERMISSIVE"] },
    ["stack", "cli"],
  );
  assert.equal(
    diff,
    [
      "## indexes",
      "- only in stack: CREATE INDEX i ON public.a (x)",
      "## policies",
      "+ only in cli: public.a p PERMISSIVE",
    ].join("\n"),
  );
});
