import { assertEquals, assertStringIncludes } from "@std/assert";
import { escapeHtml, htmlDocument } from "./html.ts";

Deno.test("html: escapes every character that could end an element or an attribute", () => {
  assertEquals(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

Deno.test("html: a document escapes its title and holds head and main as given", () => {
  const page = htmlDocument("A <b>", "<style></style>", "<main></main>");
  assertStringIncludes(page, "<title>A &lt;b&gt;</title>");
  assertStringIncludes(page, "<style></style>");
  assertStringIncludes(page, "<main></main>");
});
