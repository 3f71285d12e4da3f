/**
 * A customer's addresses through the real SDK, and a transaction priced by one: `address_id` on
 * `POST /transactions` gives the totals `POST /pricing-preview` gives for that country.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assertEquals, assertMatch } from "@std/assert";
import { ADDRESS_ID } from "./ids.ts";
import type { PaddleSimulator } from "./mod.ts";
import { LOCAL_PRO, LOCAL_PRODUCT } from "./selling_fixtures.ts";
import { API_KEY, withEntities } from "./test_support.ts";

const withLocalCatalog = (test: (simulator: PaddleSimulator, paddle: Paddle) => Promise<void>) =>
  withEntities(
    { products: [LOCAL_PRODUCT], prices: [LOCAL_PRO] },
    (simulator) =>
      test(simulator, new Paddle(API_KEY, { environment: simulator.url as Environment })),
  );

function call(simulator: PaddleSimulator, method: string, path: string, body?: unknown) {
  return fetch(`${simulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

Deno.test("addresses: created on the customer, listed (active by default, oldest first), only the customer's own", async () => {
  await withLocalCatalog(async (simulator, paddle) => {
    const carol = await paddle.customers.create({ email: "carol@example.com" });
    const dave = await paddle.customers.create({ email: "dave@example.com" });
    const de = await paddle.addresses.create(carol.id, { countryCode: "DE" });
    assertMatch(de.id, ADDRESS_ID);
    assertEquals([de.customerId, de.countryCode, de.status, de.postalCode], [
      carol.id,
      "DE",
      "active",
      null,
    ]);
    const gb = await paddle.addresses.create(carol.id, {
      countryCode: "GB",
      postalCode: "SW1A 1AA",
    });
    await paddle.addresses.create(dave.id, { countryCode: "DE" });
    const listed = await paddle.addresses.list(carol.id, { status: ["active"] }).next();
    assertEquals(listed.map((a) => a.id), [de.id, gb.id]);
    const raw = await (await call(simulator, "GET", `/customers/${carol.id}/addresses?per_page=1`))
      .json();
    assertEquals(raw.data.map((a: { id: string }) => a.id), [de.id]);
    assertEquals(raw.meta.pagination.has_more, true);
    assertEquals(raw.meta.pagination.estimated_total, 2);
    assertEquals((await paddle.addresses.get(carol.id, gb.id)).countryCode, "GB");
    const foreign = await call(simulator, "GET", `/customers/${dave.id}/addresses/${gb.id}`);
    assertEquals(foreign.status, 404, "another customer's address is not found");
    await foreign.body?.cancel();

    const refusals = [
      [
        await call(simulator, "POST", `/customers/${carol.id}/addresses`, { country_code: "de" }),
        400,
      ],
      [await call(simulator, "POST", `/customers/${carol.id}/addresses`, {}), 400],
      // Paddle wants a postal code beside these countries.
      [
        await call(simulator, "POST", `/customers/${carol.id}/addresses`, { country_code: "US" }),
        400,
      ],
      [
        await call(simulator, "POST", `/customers/${carol.id}/addresses`, { country_code: "GB" }),
        400,
      ],
      [
        await call(simulator, "POST", `/customers/ctm_01zzzzzzzzzzzzzzzzzzzzzzzz/addresses`, {
          country_code: "DE",
        }),
        404,
      ],
      [await call(simulator, "GET", `/customers/${carol.id}/addresses?status=gone`), 400],
      [await call(simulator, "DELETE", `/customers/${carol.id}/addresses`), 405],
    ] as const;
    for (const [response, status] of refusals) {
      assertEquals(response.status, status);
      await response.body?.cancel();
    }
    assertEquals(
      (await paddle.addresses.list(carol.id).next()).length,
      2,
      "a refusal wrote nothing",
    );
  });
});

Deno.test("a transaction with address_id is priced for its country: the pricing preview's totals, currency and tax", async () => {
  await withLocalCatalog(async (simulator, paddle) => {
    const carol = await paddle.customers.create({ email: "carol@example.com" });
    const de = await paddle.addresses.create(carol.id, { countryCode: "DE" });
    const items = [{ priceId: LOCAL_PRO.id, quantity: 2 }];
    const transaction = await paddle.transactions.create({
      items,
      customerId: carol.id,
      addressId: de.id,
    });
    const preview = await paddle.pricingPreview.preview({ items, address: { countryCode: "DE" } });
    const line = preview.details.lineItems[0];
    assertEquals(transaction.addressId, de.id);
    assertEquals(transaction.currencyCode, "EUR");
    assertEquals(preview.currencyCode, "EUR");
    assertEquals(transaction.details?.totals?.total, line.totals.total);
    assertEquals(transaction.details?.totals?.tax, line.totals.tax);
    assertEquals(transaction.details?.lineItems[0].totals?.subtotal, line.totals.subtotal);
    assertEquals(line.totals.total, "5600", "2 × €28.00, VAT included");

    // Without an address: the base price, as before.
    const plain = await paddle.transactions.create({ items, customerId: carol.id });
    assertEquals([plain.currencyCode, plain.addressId], ["USD", null]);

    // Someone else's address, or one without a customer: refused, nothing created.
    const dave = await paddle.customers.create({ email: "dave@example.com" });
    const count = async () =>
      (await (await call(simulator, "GET", "/transactions")).json()).meta.pagination
        .estimated_total;
    const before = await count();
    for (
      const body of [
        {
          items: [{ price_id: LOCAL_PRO.id, quantity: 1 }],
          customer_id: dave.id,
          address_id: de.id,
        },
        { items: [{ price_id: LOCAL_PRO.id, quantity: 1 }], address_id: de.id },
      ]
    ) {
      const response = await call(simulator, "POST", "/transactions", body);
      assertEquals(response.status, body.customer_id ? 404 : 400);
      await response.body?.cancel();
    }
    assertEquals(await count(), before);
  });
});
