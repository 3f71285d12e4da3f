/**
 * The simulator's checkout in the buyer's country: the same local totals as the pricing
 * preview, a payment in them, and the prefilled customer kept when logging out is not allowed.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { type PaddleSimulator, startPaddleSimulator } from "./mod.ts";
import { LOCAL_PRO, LOCAL_PRODUCT } from "./selling_fixtures.ts";
import { API_KEY } from "./test_support.ts";

const PRODUCT = LOCAL_PRODUCT;
const PRO = LOCAL_PRO;

async function withShop(test: (s: PaddleSimulator, paddle: Paddle) => Promise<void>) {
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    entities: { products: [PRODUCT], prices: [PRO] },
  });
  try {
    await test(simulator, new Paddle(API_KEY, { environment: simulator.url as Environment }));
  } finally {
    await simulator.stop();
  }
}

async function sale(paddle: Paddle, email: string) {
  const customer = await paddle.customers.create({ email });
  const transaction = await paddle.transactions.create({
    items: [{ priceId: PRO.id, quantity: 1 }],
    customerId: customer.id,
  });
  return { customer, transaction };
}

Deno.test("checkout in Germany: the preview's euro total with VAT, and the payment in it", async () => {
  await withShop(async (simulator, paddle) => {
    const { transaction } = await sale(paddle, "greta@example.com");
    const preview = await paddle.pricingPreview.preview({
      items: [{ priceId: PRO.id, quantity: 1 }],
      address: { countryCode: "DE" },
    });
    const shownOnCard = preview.details.lineItems[0].formattedTotals.total;
    assertEquals(shownOnCard, "€28.00");

    const html = await (await fetch(`${transaction.checkout!.url!}&country=DE`)).text();
    assertStringIncludes(html, `data-country="DE" data-currency="EUR"`);
    assertStringIncludes(html, `<strong data-field="total">${shownOnCard}</strong>`);
    assertStringIncludes(html, `<span data-field="tax">€4.47</span>`);
    assertStringIncludes(html, `name="country" value="DE"`);

    const paid = await fetch(`${simulator.url}/checkout/${transaction.id}/pay`, {
      method: "POST",
      headers: { accept: "application/json" },
      body: new URLSearchParams({ country: "DE" }),
    });
    assertEquals(paid.status, 200);
    const { subscription_id } = await paid.json();
    const completed = await paddle.transactions.get(transaction.id);
    assertEquals(completed.currencyCode, "EUR");
    assertEquals(completed.details?.totals?.grandTotal, "2800");
    assertEquals(completed.details?.totals?.tax, "447");
    const subscription = await paddle.subscriptions.get(subscription_id);
    assertEquals(subscription.currencyCode, "EUR");
  });
});

Deno.test("checkout without a country: the transaction as created, in dollars", async () => {
  await withShop(async (_simulator, paddle) => {
    const { transaction } = await sale(paddle, "sam@example.com");
    const html = await (await fetch(transaction.checkout!.url!)).text();
    assertStringIncludes(html, `data-country="" data-currency="USD"`);
    assertStringIncludes(html, `<strong data-field="total">$30.00</strong>`);
  });
});

Deno.test("allow_logout=false: the buyer cannot switch email; otherwise switching moves the customer", async () => {
  await withShop(async (simulator, paddle) => {
    const { customer, transaction } = await sale(paddle, "kept@example.com");
    const locked = await (await fetch(`${transaction.checkout!.url!}&allow_logout=false`)).text();
    assertStringIncludes(locked, `<strong data-field="customer-email">kept@example.com</strong>`);
    assertEquals(locked.includes(`id="change-customer"`), false);

    // Paddle's default lets the buyer log out: the purchase moves to another customer.
    const open = await (await fetch(transaction.checkout!.url!)).text();
    assertStringIncludes(open, `id="change-customer"`);
    const moved = await fetch(`${simulator.url}/checkout/${transaction.id}/customer`, {
      method: "POST",
      body: new URLSearchParams({ email: "someone.else@example.com", query: "" }),
      redirect: "manual",
    });
    await moved.body?.cancel();
    assertEquals(moved.status, 303);
    const after = await paddle.transactions.get(transaction.id);
    assertEquals(after.customerId === customer.id, false);
  });
});
