/**
 * `GET /transactions/{id}/invoice` and the PDF behind its link: a real PDF (read back with
 * poppler's `pdftotext`: `apt-get install -y poppler-utils`), refused as Paddle refuses, expiring
 * after an hour of simulated time.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { newPaddleId } from "./ids.ts";
import { CATALOG, catalogStore, paidTransaction, readyTransaction } from "./selling_fixtures.ts";
import { EntityStore } from "./store.ts";
import { API_KEY, apiGet, withEntities } from "./test_support.ts";
import {
  handleInvoicePdf,
  handleTransactionInvoiceRequest,
  INVOICE_LINK_TTL_MS,
  InvoiceLinks,
} from "./transaction_invoices.ts";
import type { PaddleTransaction } from "./transactions.ts";

const CUSTOMER = newPaddleId("ctm");

function transactions() {
  const store = catalogStore();
  const ready = readyTransaction(store, CUSTOMER, { quantity: 3 });
  const paid = paidTransaction(store, CUSTOMER, {
    quantity: 3,
    paidAt: new Date("2026-03-01T10:05:00Z"),
  });
  // Paddle's tax, as Paddle would have computed it: 3 × 12.50 + 20% VAT.
  const completed: PaddleTransaction = {
    ...paid,
    details: {
      ...paid.details,
      totals: {
        ...paid.details.totals,
        tax: "750",
        total: "4500",
        grand_total: "4500",
      },
    },
  };
  const free: PaddleTransaction = {
    ...completed,
    id: newPaddleId("txn"),
    details: {
      ...completed.details,
      totals: {
        ...completed.details.totals,
        subtotal: "0",
        tax: "0",
        total: "0",
        grand_total: "0",
      },
    },
  };
  return { ready, completed, free };
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const command = new Deno.Command("pdftotext", {
    args: ["-layout", "-", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  let child;
  try {
    child = command.spawn();
  } catch (error) {
    throw new Error(
      `pdftotext is needed to read the invoice (apt-get install -y poppler-utils): ${error}`,
    );
  }
  const writer = child.stdin.getWriter();
  await writer.write(bytes);
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

Deno.test("invoice: a short-lived link to a real PDF with the number, lines, tax and total", async () => {
  const { completed } = transactions();
  await withEntities({ ...CATALOG, transactions: [completed] }, async (simulator) => {
    const response = await apiGet(simulator, `/transactions/${completed.id}/invoice`);
    assertEquals(response.status, 200);
    const body = await response.json();
    assertEquals(Object.keys(body), ["data", "meta"]);
    assertEquals(Object.keys(body.data), ["url"]);
    assertMatch(body.data.url, /^http:\/\/127\.0\.0\.1:\d+\/invoices\/[a-f0-9]{32}\.pdf$/);

    // The file host needs no API key, like Paddle's.
    const pdf = await fetch(body.data.url);
    assertEquals(pdf.status, 200);
    assertEquals(pdf.headers.get("content-type"), "application/pdf");
    assertEquals(
      pdf.headers.get("content-disposition"),
      `attachment; filename="${completed.invoice_number}.pdf"`,
    );
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    const text = await pdfText(bytes);
    assert(text.includes(`Invoice ${completed.invoice_number}`), text);
    assert(text.includes(`Transaction ${completed.id}`), text);
    assertMatch(text, /Team plan - Team monthly x 3: 37\.50 USD/);
    assertMatch(text, /Subtotal 37\.50 USD/);
    assertMatch(text, /Tax 7\.50 USD/);
    assertMatch(text, /Total 45\.00 USD/);
    assertMatch(text, /Billed 2026-03-01/);

    // Inline on request; every link is new.
    const inline = await (await apiGet(
      simulator,
      `/transactions/${completed.id}/invoice?disposition=inline`,
    )).json();
    assert(inline.data.url !== body.data.url);
    const opened = await fetch(inline.data.url);
    assertEquals(opened.headers.get("content-disposition")?.split(";")[0], "inline");
    await opened.body?.cancel();
  });
});

Deno.test("invoice: the link dies an hour of simulated time later", async () => {
  const { completed } = transactions();
  const store = new EntityStore();
  store.load({ ...CATALOG, transactions: [completed] });
  const invoices = new InvoiceLinks();
  const context = { store, invoices, baseUrl: "http://simulator.test" };
  const minted = handleTransactionInvoiceRequest(
    new Request(`http://simulator.test/transactions/${completed.id}/invoice`),
    new URL(`http://simulator.test/transactions/${completed.id}/invoice`),
    context,
  );
  const { data } = await minted!.json();
  const fetchPdf = () => handleInvoicePdf(new Request(data.url), new URL(data.url), context);
  // The simulated clock also runs with the wall clock: a minute's margin either side.
  store.clock.advanceBy(INVOICE_LINK_TTL_MS - 60_000);
  const before = fetchPdf();
  assertEquals(before.status, 200);
  assertEquals(new TextDecoder().decode((await before.bytes()).slice(0, 8)), "%PDF-1.4");
  store.clock.advanceBy(60_000);
  const after = fetchPdf();
  assertEquals(after.status, 403);
  assert(!(await after.text()).includes(completed.id));
});

Deno.test("invoice: refused as Paddle refuses, and only through the API key", async () => {
  const { ready, completed, free } = transactions();
  await withEntities({ ...CATALOG, transactions: [ready, completed, free] }, async (simulator) => {
    for (const transaction of [ready, free]) {
      const response = await apiGet(simulator, `/transactions/${transaction.id}/invoice`);
      assertEquals(response.status, 400);
      const { error } = await response.json();
      assertEquals(error.code, "bad_request");
      assert(error.detail.length > 10);
    }
    const unknown = await apiGet(simulator, `/transactions/${newPaddleId("txn")}/invoice`);
    assertEquals(unknown.status, 404);
    assertEquals((await unknown.json()).error.code, "not_found");
    const bad = await apiGet(
      simulator,
      `/transactions/${completed.id}/invoice?disposition=download`,
    );
    assertEquals(bad.status, 400);
    assertEquals((await bad.json()).error.code, "invalid_field");
    const noKey = await fetch(`${simulator.url}/transactions/${completed.id}/invoice`);
    assertEquals(noKey.status, 403);
    await noKey.body?.cancel();
    const post = await fetch(`${simulator.url}/transactions/${completed.id}/invoice`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assertEquals(post.status, 405);
    await post.body?.cancel();
    const guessed = await fetch(`${simulator.url}/invoices/${"0".repeat(32)}.pdf`);
    assertEquals(guessed.status, 403);
    await guessed.body?.cancel();
  });
});
