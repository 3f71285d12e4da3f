/**
 * `POST /pricing-preview`: local currency from a price's overrides, tax by tax mode and country,
 * the country from the address, the IP table or the caller's own address (client-side token),
 * Paddle's shapes (checked with the real SDK too), its errors and CORS.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assertEquals } from "@std/assert";
import { newPaddleId } from "./ids.ts";
import { type PaddleSimulator, startPaddleSimulator } from "./mod.ts";
import { parseIpCountries, taxed } from "./pricing_preview.ts";
import { LOCAL_PRO, LOCAL_PRODUCT } from "./selling_fixtures.ts";
import { API_KEY } from "./test_support.ts";

const CLIENT_TOKEN = "test_pricingpreviewtoken000000";
const PRODUCT = LOCAL_PRODUCT;
const PRO = LOCAL_PRO;
const INCLUDED = { ...PRO, id: newPaddleId("pri"), tax_mode: "internal" as const };
const ADDED = { ...PRO, id: newPaddleId("pri"), tax_mode: "external" as const };

async function withPricing(
  test: (simulator: PaddleSimulator) => Promise<void>,
  ipCountries: Record<string, string> = { "127.0.0.1": "DE", "203.0.113.9": "GB" },
) {
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    clientToken: CLIENT_TOKEN,
    ipCountries,
    entities: { products: [PRODUCT], prices: [PRO, INCLUDED, ADDED] },
  });
  try {
    await test(simulator);
  } finally {
    await simulator.stop();
  }
}

// deno-lint-ignore no-explicit-any
type Json = any;

async function preview(
  simulator: PaddleSimulator,
  body: unknown,
  token = API_KEY,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${simulator.url}/pricing-preview`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

const line = (result: { body: Json }, index = 0) => result.body.data.details.line_items[index];

Deno.test("pricing preview: a German buyer pays the euro override with 19% VAT included", async () => {
  await withPricing(async (simulator) => {
    const result = await preview(simulator, {
      items: [{ price_id: PRO.id, quantity: 2 }],
      address: { country_code: "DE" },
    });
    assertEquals(result.status, 200);
    const data = result.body.data;
    assertEquals(data.currency_code, "EUR");
    assertEquals(data.address, { postal_code: null, country_code: "DE" });
    assertEquals(data.customer_ip_address, null);
    const item = line(result);
    assertEquals(item.price.id, PRO.id);
    assertEquals(item.product.id, PRODUCT.id);
    assertEquals(item.quantity, 2);
    assertEquals(item.tax_rate, "0.19");
    // 2800 incl. 19%: net 2353 (2800 / 1.19 = 2352.94, rounded half up), tax 447.
    assertEquals(item.unit_totals, { subtotal: "2353", discount: "0", tax: "447", total: "2800" });
    assertEquals(item.totals, { subtotal: "4706", discount: "0", tax: "894", total: "5600" });
    assertEquals(item.formatted_unit_totals.total, "€28.00");
    assertEquals(item.formatted_totals.tax, "€8.94");
    assertEquals(item.discounts, []);
  });
});

Deno.test("pricing preview: tax_mode external adds the tax, internal includes it, anywhere", async () => {
  await withPricing(async (simulator) => {
    const gb = await preview(simulator, {
      items: [{ price_id: ADDED.id, quantity: 1 }, { price_id: INCLUDED.id, quantity: 1 }],
      address: { country_code: "GB", postal_code: "SW1A 1AA" },
    });
    assertEquals(gb.body.data.currency_code, "GBP");
    assertEquals(gb.body.data.address, { postal_code: "SW1A 1AA", country_code: "GB" });
    assertEquals(line(gb, 0).unit_totals, {
      subtotal: "2400",
      discount: "0",
      tax: "480",
      total: "2880",
    });
    assertEquals(line(gb, 1).unit_totals, {
      subtotal: "2000",
      discount: "0",
      tax: "400",
      total: "2400",
    });
    // A US buyer: dollars, sales tax added at checkout (none estimated without a postal code).
    const us = await preview(simulator, {
      items: [{ price_id: PRO.id, quantity: 1 }],
      address: { country_code: "US" },
    });
    assertEquals(us.body.data.currency_code, "USD");
    assertEquals(line(us).tax_rate, "0");
    assertEquals(line(us).unit_totals.total, "3000");
    assertEquals(line(us).formatted_unit_totals.total, "$30.00");
  });
});

Deno.test("pricing preview: the country from customer_ip_address, else a token caller's own IP", async () => {
  await withPricing(async (simulator) => {
    const byIp = await preview(simulator, {
      items: [{ price_id: PRO.id, quantity: 1 }],
      customer_ip_address: "203.0.113.9",
    });
    assertEquals(byIp.body.data.currency_code, "GBP");
    assertEquals(byIp.body.data.customer_ip_address, "203.0.113.9");
    // The browser's call (client-side token) from 127.0.0.1, mapped to DE for this run.
    const fromBrowser = await preview(
      simulator,
      { items: [{ price_id: PRO.id, quantity: 1 }] },
      CLIENT_TOKEN,
    );
    assertEquals(fromBrowser.status, 200);
    assertEquals(fromBrowser.body.data.currency_code, "EUR");
    assertEquals(fromBrowser.body.data.address.country_code, "DE");
    assertEquals(fromBrowser.headers.get("access-control-allow-origin"), "*");
    // A server call (API key) without an address says nothing about the buyer: base, untaxed.
    const server = await preview(simulator, { items: [{ price_id: PRO.id, quantity: 1 }] });
    assertEquals(server.body.data.currency_code, "USD");
    assertEquals(server.body.data.address, null);
    assertEquals(line(server).unit_totals.tax, "0");
    // The browser's preview is the buyer's traffic: only the two API-key calls are API requests.
    assertEquals(simulator.apiRequestCount(), 2);
  });
});

Deno.test("pricing preview: errors in Paddle's envelope, with CORS; preflight answered", async () => {
  await withPricing(async (simulator) => {
    const wrongToken = await preview(simulator, { items: [] }, "test_someoneelse");
    assertEquals([wrongToken.status, wrongToken.body.error.code], [403, "invalid_token"]);
    assertEquals(wrongToken.headers.get("access-control-allow-origin"), "*");
    const invalid = await preview(simulator, { items: [], address: { country_code: "de" } });
    assertEquals([invalid.status, invalid.body.error.code], [400, "invalid_field"]);
    assertEquals(
      invalid.body.error.errors.map((e: { field: string }) => e.field).sort(),
      ["address.country_code", "items"],
    );
    // A well-formed code of no country Paddle sells to (ZZ, RU) is refused the same way.
    for (const country_code of ["ZZ", "RU"]) {
      const nowhere = await preview(simulator, {
        items: [{ price_id: PRO.id, quantity: 1 }],
        address: { country_code },
      });
      assertEquals([nowhere.status, nowhere.body.error.code], [400, "invalid_field"], country_code);
    }
    const unknown = await preview(simulator, {
      items: [{ price_id: newPaddleId("pri"), quantity: 1 }],
    });
    assertEquals([unknown.status, unknown.body.error.code], [404, "not_found"]);
    const badJson = await preview(simulator, "{");
    assertEquals([badJson.status, badJson.body.error.code], [400, "bad_request"]);
    const noCurrency = await preview(simulator, {
      items: [{ price_id: PRO.id, quantity: 1 }],
      address: { country_code: "DE" },
      currency_code: "JPY",
    });
    assertEquals([noCurrency.status, noCurrency.body.error.code], [400, "invalid_field"]);
    const preflight = await fetch(`${simulator.url}/pricing-preview`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:1234", "access-control-request-method": "POST" },
    });
    await preflight.body?.cancel();
    assertEquals(preflight.status, 204);
    assertEquals(
      preflight.headers.get("access-control-allow-headers")?.includes("authorization"),
      true,
    );
    // The client-side token opens this route only.
    const elsewhere = await fetch(`${simulator.url}/prices`, {
      headers: { authorization: `Bearer ${CLIENT_TOKEN}` },
    });
    assertEquals(elsewhere.status, 403);
    await elsewhere.body?.cancel();
  });
});

Deno.test("pricing preview: the real SDK sends and parses it", async () => {
  await withPricing(async (simulator) => {
    const paddle = new Paddle(API_KEY, { environment: simulator.url as Environment });
    const result = await paddle.pricingPreview.preview({
      items: [{ priceId: PRO.id, quantity: 1 }],
      address: { countryCode: "FR" },
    });
    assertEquals(result.currencyCode, "EUR");
    assertEquals(result.address?.countryCode, "FR");
    const item = result.details.lineItems[0];
    assertEquals(item.price.id, PRO.id);
    assertEquals(item.taxRate, "0.2");
    assertEquals(item.unitTotals.total, "2800");
    assertEquals(item.unitTotals.tax, "467");
    assertEquals(item.formattedUnitTotals.total, "€28.00");
  });
});

Deno.test("tax arithmetic is exact and rounds half up", () => {
  assertEquals(taxed(3000n, 1900, false), {
    subtotal: "3000",
    discount: "0",
    tax: "570",
    total: "3570",
  });
  assertEquals(taxed(3570n, 1900, true).subtotal, "3000");
  assertEquals(taxed(1n, 5000, false).tax, "1");
  assertEquals(taxed(0n, 1900, true), { subtotal: "0", discount: "0", tax: "0", total: "0" });
  // Past 2^53 no precision is lost.
  assertEquals(taxed(9007199254740993n, 0, false).total, "9007199254740993");
});

Deno.test("PADDLE_SIMULATOR_IP_COUNTRIES: address=CC pairs, a bad entry named", () => {
  assertEquals(parseIpCountries(undefined), {});
  assertEquals(parseIpCountries(" 127.0.0.1=de, ::1=DE "), { "127.0.0.1": "DE", "::1": "DE" });
  for (const bad of ["127.0.0.1", "=DE", "127.0.0.1=Germany"]) {
    let message = "";
    try {
      parseIpCountries(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    assertEquals(message.includes(`"${bad}"`), true, bad);
  }
});
