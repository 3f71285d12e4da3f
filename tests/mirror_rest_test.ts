/**
 * The mirror as an app reads it: through the real PostgREST with supabase-js, as the README shows
 * (the seeded demo account; nothing here writes).
 */
import { assertEquals } from "@std/assert";
import { anonClient, signedInClient } from "./_stack.ts";

Deno.test("a signed-in user reads their plans with catalog names and amounts in one query", async () => {
  const { client } = await signedInClient("alice@example.com");
  const { data, error } = await client
    .from("subscriptions")
    .select(
      "subscription_id, status, subscription_items(quantity, prices(name, unit_price_amount, unit_price_currency, billing_cycle_interval, products(name)))",
    )
    .order("subscription_id");
  assertEquals(error, null);
  const summary = (data ?? []).map((s) => ({
    id: s.subscription_id,
    items: s.subscription_items
      // deno-lint-ignore no-explicit-any
      .map((i: any) =>
        `${i.quantity} x ${i.prices.products.name} / ${i.prices.name}: ${i.prices.unit_price_amount} ${i.prices.unit_price_currency} per ${i.prices.billing_cycle_interval}`
      )
      .sort(),
  }));
  assertEquals(summary, [
    {
      id: "sub_01jdemoalicesub10000000000",
      items: [
        "1 x Pro plan / Pro monthly: 3000 USD per month",
        "3 x Extra seats / Extra seat: 500 USD per month",
      ],
    },
    {
      id: "sub_01jdemoalicesub20000000000",
      items: ["1 x Starter plan / Starter monthly: 1000 USD per month"],
    },
  ]);
});

Deno.test("the catalog is public through the API; items are not", async () => {
  const anon = anonClient();
  const { data: prices, error } = await anon
    .from("prices")
    .select("price_id, name, products(name)")
    .in("price_id", ["pri_01jdemopricepro00000000000", "pri_01jdemopricebasic000000000"])
    .order("price_id");
  assertEquals(error, null);
  assertEquals(prices, [
    {
      price_id: "pri_01jdemopricebasic000000000",
      name: "Starter monthly",
      products: { name: "Starter plan" },
    },
    {
      price_id: "pri_01jdemopricepro00000000000",
      name: "Pro monthly",
      products: { name: "Pro plan" },
    },
  ]);
  const items = await anon.from("subscription_items").select("*");
  assertEquals(items.data, null);
  assertEquals(items.status, 401);
  const write = await anon.from("products").update({ name: "Free" }).eq(
    "product_id",
    "pro_01jdemoproduct000000000000",
  );
  assertEquals(write.status, 401);
});

Deno.test("a signed-in user sees only their own items, and has_active_subscription by RPC", async () => {
  const { client } = await signedInClient("dave@example.com");
  const { data, error } = await client.from("subscription_items").select(
    "subscription_id, price_id",
  );
  assertEquals(error, null);
  assertEquals(data, [{
    subscription_id: "sub_01jdemodavesub100000000000",
    price_id: "pri_01jdemopricepro00000000000",
  }]);
  const any = await client.rpc("has_active_subscription");
  assertEquals(any.data, true);
  const addon = await client.rpc("has_active_subscription", {
    p_product_id: "pro_01jdemoaddonseats000000000",
  });
  assertEquals(addon.data, false);
  const bob = await signedInClient("bob@example.com");
  assertEquals((await bob.client.rpc("has_active_subscription")).data, false);
});
