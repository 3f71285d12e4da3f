/**
 * The invoice PDF Paddle's short-lived invoice URL points to, for one transaction: invoice
 * number, dates, each line (product, price, quantity, amount), subtotal, tax and total, in the
 * transaction's currency exactly as the transaction states them. A minimal, valid PDF 1.4 written
 * by hand (one page, the standard Helvetica font, a correct cross-reference table), so any PDF
 * reader, `pdftotext` included, opens it and nothing heavy is needed to make it.
 */

import type { PaddleTransaction } from "./transactions.ts";

/** Currencies Paddle charges without minor units (amounts are whole units). */
const ZERO_DECIMAL = new Set(["JPY", "KRW"]);

/** A Paddle amount (lowest denomination, a string of digits) as `12.34 USD`, never via a float. */
export function formatAmount(amount: string, currency: string): string {
  const negative = amount.startsWith("-");
  const digits = negative ? amount.slice(1) : amount;
  if (ZERO_DECIMAL.has(currency)) return `${negative ? "-" : ""}${digits} ${currency}`;
  const padded = digits.padStart(3, "0");
  const whole = padded.slice(0, -2).replace(/^0+(?=\d)/, "");
  return `${negative ? "-" : ""}${whole}.${padded.slice(-2)} ${currency}`;
}

/** The invoice's lines of text, top to bottom (what `pdftotext` gives back). */
export function invoiceLines(transaction: PaddleTransaction): string[] {
  const currency = transaction.currency_code;
  const totals = transaction.details.totals;
  const priceNames = new Map(
    transaction.items.map((item) => [item.price_id, item.price.name ?? item.price.description]),
  );
  const day = (at: string | null) => at?.slice(0, 10) ?? "-";
  const lines = [
    `Invoice ${transaction.invoice_number ?? "-"}`,
    `Transaction ${transaction.id}`,
    `Customer ${transaction.customer_id ?? "-"}`,
    `Billed ${day(transaction.billed_at)}`,
  ];
  if (transaction.billing_period) {
    lines.push(
      `Billing period ${day(transaction.billing_period.starts_at)} to ${
        day(transaction.billing_period.ends_at)
      }`,
    );
  }
  lines.push("");
  for (const line of transaction.details.line_items) {
    lines.push(
      `${line.product.name} - ${
        priceNames.get(line.price_id) ?? line.price_id
      } x ${line.quantity}: ${formatAmount(line.totals.subtotal, currency)}`,
    );
  }
  lines.push(
    "",
    `Subtotal ${formatAmount(totals.subtotal, currency)}`,
    `Tax ${formatAmount(totals.tax, currency)}`,
    `Total ${formatAmount(totals.grand_total, currency)}`,
  );
  return lines;
}

/** The PDF document: ASCII only (non-ASCII names become ?), so its characters are its bytes. */
export function invoicePdf(transaction: PaddleTransaction): string {
  const text = invoiceLines(transaction)
    .map((line, index) => `${index === 0 ? "" : "0 -18 Td "}(${pdfString(line)}) Tj`)
    .join("\n");
  const content = `BT\n/F1 12 Tf\n56 780 Td\n${text}\nET\n`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " +
    "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    `<< /Title (${pdfString(`Invoice ${transaction.invoice_number ?? transaction.id}`)}) ` +
    "/Producer (Paddle simulator) >>",
  ];
  // Every character below is ASCII, so string lengths are byte offsets.
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\n` +
    `startxref\n${xref}\n%%EOF\n`;
  return body;
}

/** A PDF literal string: backslash, parentheses escaped; anything outside printable ASCII as ?. */
function pdfString(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?").replace(/[\\()]/g, (c) => `\\${c}`);
}
