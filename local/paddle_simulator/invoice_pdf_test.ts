import { assert, assertEquals } from "@std/assert";
import { formatAmount, invoiceLines, invoicePdf } from "./invoice_pdf.ts";
import { catalogStore, MONTHLY, paidTransaction } from "./selling_fixtures.ts";

function completed() {
  return paidTransaction(catalogStore(), "ctm_01jinvoicepdftest000000000", {
    price: { ...MONTHLY, name: "Team (monthly)" },
    quantity: 2,
  });
}

Deno.test("amounts: minor units to decimals exactly, zero-decimal currencies whole", () => {
  assertEquals(formatAmount("3000", "USD"), "30.00 USD");
  assertEquals(formatAmount("5", "EUR"), "0.05 EUR");
  assertEquals(formatAmount("-1250", "GBP"), "-12.50 GBP");
  assertEquals(formatAmount("123456789012345678901", "USD"), "1234567890123456789.01 USD");
  assertEquals(formatAmount("3000", "JPY"), "3000 JPY");
});

Deno.test("the PDF is well formed: header, every xref offset at its object, startxref at xref", () => {
  const text = invoicePdf(completed());
  assert([...text].every((c) => c.charCodeAt(0) < 128), "ASCII only: characters are bytes");
  assert(text.startsWith("%PDF-1.4\n"));
  assert(text.endsWith("%%EOF\n"));
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
  assertEquals(text.slice(startxref, startxref + 4), "xref");
  const entries = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) =>
    Number(m[1])
  );
  assertEquals(entries.length, 6);
  entries.forEach((offset, index) => {
    assertEquals(text.slice(offset, offset + `${index + 1} 0 obj`.length), `${index + 1} 0 obj`);
  });
  const length = Number(/\/Length (\d+) >>\nstream\n/.exec(text)![1]);
  const start = text.indexOf("stream\n") + "stream\n".length;
  assertEquals(text.slice(start + length, start + length + "endstream".length), "endstream");
  // Parentheses in a name are escaped inside the PDF string.
  assert(text.includes("Team \\(monthly\\)"));
});

Deno.test("the invoice says what was bought and what it cost", () => {
  const transaction = completed();
  const lines = invoiceLines(transaction);
  assertEquals(lines[0], `Invoice ${transaction.invoice_number}`);
  assert(lines.includes("Team plan - Team (monthly) x 2: 25.00 USD"), lines.join("\n"));
  assertEquals(lines.slice(-3), ["Subtotal 25.00 USD", "Tax 0.00 USD", "Total 25.00 USD"]);
});
