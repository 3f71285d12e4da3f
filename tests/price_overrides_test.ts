/**
 * Prices keep Paddle's country overrides and tax mode (migration 20261206000600) through the one
 * write path: a price event (the webhook's RPC), a page of API prices (the sync's batch
 * function) and a subscription payload that embeds the price. Against the stack's database
 * (`deno task test tests/price_overrides_test.ts`); every test makes its own ids.
 */
import assert from "node:assert/strict";
import { Price } from "@paddle/paddle-node-sdk";
import { paddleEvent, paddleId } from "../local/paddle_webhooks/payloads.ts";
import { toApiJson } from "../supabase/functions/_shared/paddle_sync/to_api_json.ts";
import { apply, applyEntities, type Client, sqlState, withClient } from "./_db.ts";
import {
  priceJson,
  type PriceState,
  productJson,
  type ProductState,
  subscriptionJson,
} from "./_paddle_entities.ts";

const T0 = Date.parse("2026-07-01T10:00:00.000Z");
const MIN = 60_000;

/** The override shape of Paddle's API reference (a price with euro and pound prices). */
const OVERRIDES = [
  {
    country_codes: ["AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL"],
    unit_price: { amount: "2800", currency_code: "EUR" },
  },
  { country_codes: ["GB"], unit_price: { amount: "2400", currency_code: "GBP" } },
];

async function catalog(client: Client) {
  const product = {
    id: paddleId("pro", T0),
    name: "Pro",
    description: null,
    status: "active" as const,
    customData: null,
    createdAtMs: T0,
    updatedAtMs: T0,
  };
  await applyEntities(client, "product", [productJson(product)]);
  const state: PriceState = {
    id: paddleId("pri", T0),
    productId: product.id,
    name: "Pro monthly",
    amount: "3000",
    currency: "USD",
    billingCycle: { interval: "month", frequency: 1 },
    trialPeriod: null,
    quantity: { minimum: 1, maximum: 1 },
    status: "active",
    customData: null,
    createdAtMs: T0,
    updatedAtMs: T0,
  };
  return state;
}

async function stored(client: Client, priceId: string) {
  const { rows } = await client.query(
    "select tax_mode, unit_price_overrides from public.prices where price_id = $1",
    [priceId],
  );
  return rows[0];
}

Deno.test("a price event keeps the overrides verbatim and the tax mode", async () => {
  await withClient(async (client) => {
    const state = await catalog(client);
    const json = { ...priceJson(state), tax_mode: "internal", unit_price_overrides: OVERRIDES };
    const result = await apply(client, paddleEvent("price.created", json, T0));
    assert.equal(result.outcome, "applied");
    assert.deepEqual(await stored(client, state.id), {
      tax_mode: "internal",
      unit_price_overrides: OVERRIDES,
    });

    // The seller removes the overrides and switches to tax added on top: Paddle sends [].
    const later = { ...state, updatedAtMs: T0 + MIN };
    const cleared = { ...priceJson(later), tax_mode: "external", unit_price_overrides: [] };
    await apply(client, paddleEvent("price.updated", cleared, T0 + MIN));
    assert.deepEqual(await stored(client, state.id), {
      tax_mode: "external",
      unit_price_overrides: [],
    });
  });
});

Deno.test("the sync (SDK entity → API JSON → batch function) keeps them too", async () => {
  await withClient(async (client) => {
    const state = await catalog(client);
    const json = { ...priceJson(state), tax_mode: "internal", unit_price_overrides: OVERRIDES };
    const entity = JSON.parse(JSON.stringify(toApiJson("price", new Price(json as never))));
    const result = await applyEntities(client, "price", [entity]);
    assert.equal(result.written, 1);
    assert.deepEqual(await stored(client, state.id), {
      tax_mode: "internal",
      unit_price_overrides: OVERRIDES,
    });
  });
});

Deno.test("a newer state that does not carry them (an older payload) erases neither", async () => {
  await withClient(async (client) => {
    const state = await catalog(client);
    const json = { ...priceJson(state), tax_mode: "internal", unit_price_overrides: OVERRIDES };
    await applyEntities(client, "price", [json]);
    const { tax_mode: _t, unit_price_overrides: _o, ...older } = priceJson({
      ...state,
      name: "Pro monthly (renamed)",
      updatedAtMs: T0 + MIN,
    });
    assert.equal((await applyEntities(client, "price", [older])).written, 1);
    const { rows: [row] } = await client.query(
      "select name, tax_mode, unit_price_overrides from public.prices where price_id = $1",
      [state.id],
    );
    assert.deepEqual(row, {
      name: "Pro monthly (renamed)",
      tax_mode: "internal",
      unit_price_overrides: OVERRIDES,
    });
  });
});

Deno.test("a price embedded in a subscription payload keeps them too", async () => {
  await withClient(async (client) => {
    const state = await catalog(client);
    const product: ProductState = {
      id: state.productId,
      name: "Pro",
      description: null,
      status: "active",
      customData: null,
      createdAtMs: T0,
      updatedAtMs: T0,
    };
    /** A subscription to the price, embedding `price` as Paddle embeds it in `items[].price`. */
    const subscription = (price: Record<string, unknown>, atMs: number) => {
      const json = subscriptionJson({
        id: paddleId("sub", atMs),
        customerId: paddleId("ctm", atMs),
        status: "active",
        items: [{
          priceId: state.id,
          quantity: 1,
          status: "active",
          recurring: true,
          createdAtMs: atMs,
          updatedAtMs: atMs,
          trial: null,
        }],
        scheduledChange: null,
        collectionMode: "automatic",
        customData: null,
        createdAtMs: atMs,
        updatedAtMs: atMs,
      }, { price: () => state, product: () => product });
      const items = json.items as Record<string, unknown>[];
      items[0] = { ...items[0], price };
      return json;
    };
    const withThem = { ...priceJson(state), tax_mode: "internal", unit_price_overrides: OVERRIDES };
    await applyEntities(client, "subscription", [subscription(withThem, T0)]);
    assert.deepEqual(await stored(client, state.id), {
      tax_mode: "internal",
      unit_price_overrides: OVERRIDES,
    });

    // A newer embedded copy that omits them (an older payload shape) erases neither.
    const { tax_mode: _t, unit_price_overrides: _o, ...without } = priceJson({
      ...state,
      updatedAtMs: T0 + MIN,
    });
    await applyEntities(client, "subscription", [subscription(without, T0 + MIN)]);
    assert.deepEqual(await stored(client, state.id), {
      tax_mode: "internal",
      unit_price_overrides: OVERRIDES,
    });
  });
});

Deno.test("malformed overrides are refused (22023) and nothing is written", async () => {
  await withClient(async (client) => {
    const state = await catalog(client);
    const bad: unknown[] = [
      { not: "an array" },
      [{ country_codes: [], unit_price: { amount: "1", currency_code: "EUR" } }],
      [{ country_codes: ["de"], unit_price: { amount: "1", currency_code: "EUR" } }],
      [{ country_codes: ["DE"], unit_price: { amount: 100, currency_code: "EUR" } }],
      [{ country_codes: ["DE"], unit_price: { amount: "1.5", currency_code: "EUR" } }],
      [{ country_codes: ["DE"], unit_price: { amount: "1", currency_code: "euro" } }],
      [{ country_codes: ["DE"] }],
    ];
    for (const overrides of bad) {
      const json = { ...priceJson(state), unit_price_overrides: overrides };
      assert.equal(
        await sqlState(applyEntities(client, "price", [json])),
        "22023",
        JSON.stringify(overrides),
      );
    }
    const { rows } = await client.query("select 1 from public.prices where price_id = $1", [
      state.id,
    ]);
    assert.equal(rows.length, 0);
  });
});
