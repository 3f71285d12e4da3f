/**
 * Estimated counts must not leak totals. PostgREST answers `Prefer: count=planned` (and
 * `count=estimated` on large tables) from the planner's estimate, computed from table statistics
 * before row-level security: with 5,000 subscriptions under a customer nobody owns and ANALYZE
 * run, a signed-in user with no rows read a Content-Range total of 501. A private table embedded
 * in a public one (`prices?select=...,subscription_items!inner(subscriptions!inner(status))`)
 * leaked the same way. The pre-request function `billing_private.refuse_estimated_counts`
 * refuses those modes to anon and authenticated on every path, so every answer is the same with
 * 5,000 foreign rows as with none.
 */
import { assert, assertEquals } from "@std/assert";
import { withClient } from "./_db.ts";
import { control, signedInClient, stackInfo } from "./_stack.ts";

/** Tables holding per-user rows. */
const PRIVATE = ["adjustments", "customers", "subscription_items", "subscriptions", "transactions"];
/** The review's reproduction: a public table with private ones embedded. */
const EMBEDDED = "prices?select=price_id,subscription_items!inner(subscriptions!inner(status))";
const FOREIGN_CUSTOMER = "ctm_01jcountleak0000000000000z";

interface Answer {
  status: number;
  contentRange: string | null;
  body: string;
}

async function get(path: string, token: string | null, headers: Record<string, string> = {}) {
  const res = await fetch(`${stackInfo().apiUrl}/rest/v1/${path}`, {
    headers: {
      apikey: stackInfo().anonKey,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
  return {
    status: res.status,
    contentRange: res.headers.get("content-range"),
    body: await res.text(),
  };
}

/**
 * Relations anon or authenticated may SELECT in the API's schema; with `privateOnly`, those whose
 * rows they cannot all see.
 */
async function readableRelations(privateOnly = false): Promise<string[]> {
  const { rows } = await withClient((db) =>
    db.query(
      `
      with public_catalog as (
        -- Public catalog tables: RLS on, and every SELECT policy is using (true).
        select c.oid
        from pg_class c
        where c.relrowsecurity
          and exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polcmd in ('r', '*'))
          and not exists (
            select 1 from pg_policy p
            where p.polrelid = c.oid and p.polcmd in ('r', '*')
              and coalesce(pg_get_expr(p.polqual, p.polrelid), '') <> 'true'
          )
      )
      select c.relname
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'
        and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and (has_table_privilege('anon', c.oid, 'select')
          or has_table_privilege('authenticated', c.oid, 'select'))
        and (not $1 or (
          -- A table without RLS shows every row to whoever may select it: nothing to leak.
          (c.relkind <> 'r' and c.relkind <> 'p' or c.relrowsecurity)
          and c.oid not in (select oid from public_catalog)
          -- A view over public catalog tables only (catalog_prices) has no one's rows to hide.
          and not (
            c.relkind = 'v'
            and not exists (
              select 1
              from pg_rewrite r
              join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
                and d.refclassid = 'pg_class'::regclass
              where r.ev_class = c.oid and d.refobjid <> c.oid
                and d.refobjid not in (select oid from public_catalog)
            )
          )
        ))
      order by 1`,
      [privateOnly],
    )
  );
  return rows.map((r) => r.relname as string);
}

function privateRelations(): Promise<string[]> {
  return readableRelations(true);
}

async function answers(token: string | null, relations: string[]) {
  const out: Record<string, Answer> = {};
  for (const relation of relations) {
    for (const mode of ["planned", "estimated"]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetch(`${stackInfo().apiUrl}/rest/v1/${relation}?select=*&limit=1`, {
          method,
          headers: {
            apikey: stackInfo().anonKey,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            prefer: `count=${mode}`,
          },
        });
        out[`${method} ${relation} count=${mode}`] = {
          status: res.status,
          contentRange: res.headers.get("content-range"),
          body: await res.text(),
        };
      }
    }
  }
  return out;
}

async function addForeignRows(n: number) {
  await removeForeignRows();
  await withClient(async (db) => {
    await db.query(
      "insert into public.customers (customer_id, email) values ($1, 'nobody@example.test')",
      [FOREIGN_CUSTOMER],
    );
    await db.query(
      `insert into public.subscriptions (subscription_id, customer_id, status, created_at)
       select 'sub_01jcountleak' || lpad(i::text, 14, '0'), $1,
              (array['active', 'canceled', 'past_due', 'paused'])[1 + i % 4], now()
       from generate_series(1, $2::int) i`,
      [FOREIGN_CUSTOMER, n],
    );
    await db.query("analyze public.customers");
    await db.query("analyze public.subscriptions");
  });
}

async function removeForeignRows() {
  await withClient(async (db) => {
    await db.query("delete from public.customers where customer_id = $1", [FOREIGN_CUSTOMER]);
    await db.query("analyze public.customers");
    await db.query("analyze public.subscriptions");
  });
}

Deno.test("count=planned and count=estimated read the same with 5,000 foreign subscriptions as with none", async () => {
  const { accessToken } = await signedInClient("carol@example.com"); // signed in, no rows
  const relations = (await privateRelations()).filter((r) => r !== "subscription_items");
  assert(relations.includes("customers") && relations.includes("subscriptions"), `${relations}`);

  await removeForeignRows();
  const before = {
    carol: await answers(accessToken, relations),
    anon: await answers(null, relations),
  };
  try {
    await addForeignRows(5000);
    const after = {
      carol: await answers(accessToken, relations),
      anon: await answers(null, relations),
    };
    assertEquals(after, before);
    // The exact reproduction of the report: nothing about the 5,000 shows.
    const report = await get("subscriptions?select=customer_id&status=eq.canceled", accessToken, {
      prefer: "count=planned",
    });
    assertEquals(report.status, 400);
    assertEquals(report.contentRange, null);
    const error = JSON.parse(report.body);
    assertEquals(error.code, "count_estimate_refused");
    assert(!report.body.includes("5000") && !report.body.includes("1250"));
  } finally {
    await removeForeignRows();
  }
});

Deno.test("exact counts, plain reads and other tables keep working", async () => {
  const { accessToken, user } = await signedInClient("alice@example.com");
  try {
    await addForeignRows(50);
    const exact = await get("subscriptions?select=subscription_id", accessToken, {
      prefer: "count=exact",
    });
    assertEquals(exact.status, 200);
    assertEquals(
      exact.contentRange,
      `0-${user.subscriptionIds.length - 1}/${user.subscriptionIds.length}`,
    );
    const plain = await get("customers?select=customer_id", accessToken);
    assertEquals(plain.status, 200);
    assertEquals(JSON.parse(plain.body), [{ customer_id: user.customerId }]);
    // Other Prefer values pass untouched.
    const other = await get("subscriptions?select=subscription_id", accessToken, {
      prefer: "return=representation, count=exact",
    });
    assertEquals(other.status, 200);
  } finally {
    await removeForeignRows();
  }
});

Deno.test("every spelling of the guarded paths and preferences is refused", async () => {
  const { accessToken } = await signedInClient("carol@example.com");
  const cases: [string, Record<string, string>][] = [
    ["subscriptions", { prefer: "count=planned" }],
    ["subscriptions", { prefer: "return=minimal, count=estimated" }],
    ["subscriptions", { prefer: "COUNT=PLANNED" }],
    ["subscriptions/", { prefer: "count=planned" }],
    ["%73ubscriptions", { prefer: "count=planned" }],
    ["subscription_items", { prefer: "count=estimated" }],
    ["transactions", { prefer: "count=planned" }],
    ["customers", { prefer: "count=planned", "accept-profile": "public" }],
  ];
  for (const [path, headers] of cases) {
    const res = await get(`${path}?select=*`, accessToken, headers);
    assert(
      res.contentRange === null || !/\/\d+$/.test(res.contentRange),
      `${path}: ${res.contentRange}`,
    );
    assert(res.status >= 400, `${path} ${JSON.stringify(headers)}: ${res.status}`);
  }
  // Two Prefer headers: the guard sees them as PostgREST does.
  const res = await fetch(`${stackInfo().apiUrl}/rest/v1/subscriptions?select=*`, {
    headers: [
      ["apikey", stackInfo().anonKey],
      ["authorization", `Bearer ${accessToken}`],
      ["prefer", "return=minimal"],
      ["prefer", "count=planned"],
    ],
  });
  const body = await res.text();
  assert(
    res.headers.get("content-range") === null || !/\/\d+$/.test(res.headers.get("content-range")!),
    `two Prefer headers: ${res.status} ${res.headers.get("content-range")} ${body}`,
  );
});

Deno.test("every API role runs the pre-request on a fresh PostgREST, the service role first", async () => {
  // Fresh connections: a statement prepared under one role must not hide another's missing grant.
  await control("POST", "/postgrest/stop");
  await control("POST", "/postgrest/start");
  const service = await fetch(`${stackInfo().apiUrl}/rest/v1/rpc/apply_paddle_event`, {
    method: "POST",
    headers: {
      apikey: stackInfo().serviceRoleKey,
      authorization: `Bearer ${stackInfo().serviceRoleKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ event: {} }),
  });
  // The function itself answers (it refuses the empty event), so the pre-request ran.
  assertEquals(service.status, 400);
  assertEquals((await service.json()).code, "22023");
  const anon = await get("subscriptions?select=subscription_id", null);
  assert(anon.status === 401 || anon.status === 403, `anon ${anon.status}`);
  assertEquals(JSON.parse(anon.body).code, "42501");
  assert(!anon.body.includes("billing_private"), anon.body);
  const { accessToken } = await signedInClient("alice@example.com");
  assertEquals((await get("customers?select=customer_id", accessToken)).status, 200);
});

Deno.test("the service role is not affected by the guard", async () => {
  const res = await get(
    "subscriptions?select=subscription_id&limit=1",
    stackInfo().serviceRoleKey,
    {
      prefer: "count=planned",
    },
  );
  assert(res.status === 200 || res.status === 206, `${res.status}`);
  assert(/^0-0\/\d+$/.test(res.contentRange ?? ""), `${res.contentRange}`);
});

Deno.test("every relation anon or authenticated can read but not wholly see is guarded", async () => {
  // The guard has no list to forget a table in; this proves each private one is refused anyway.
  const { accessToken } = await signedInClient("carol@example.com");
  const relations = await privateRelations();
  assertEquals(relations, PRIVATE);
  for (const relation of relations) {
    for (const token of [accessToken, null]) {
      const res = await get(`${relation}?select=*`, token, { prefer: "count=planned" });
      assertEquals(res.status, 400, `${relation}: ${res.status} ${res.body}`);
      assertEquals(JSON.parse(res.body).code, "count_estimate_refused");
    }
  }
});

/** A refusal: 400 count_estimate_refused (HEAD: no body), and no total anywhere. */
function assertRefused(answer: Answer, method: string, label: string) {
  assertEquals(answer.status, 400, `${label}: ${answer.status} ${answer.body}`);
  assertEquals(answer.contentRange, null, label);
  if (method === "GET") assertEquals(JSON.parse(answer.body).code, "count_estimate_refused", label);
}

async function request(path: string, method: string, token: string | null, mode: string) {
  const res = await fetch(`${stackInfo().apiUrl}/rest/v1/${path}`, {
    method,
    headers: {
      apikey: stackInfo().anonKey,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      prefer: `count=${mode}`,
    },
  });
  return {
    status: res.status,
    contentRange: res.headers.get("content-range"),
    body: await res.text(),
  };
}

Deno.test("private tables embedded in a public one: the review's request is refused, signed in and anon", async () => {
  const { accessToken } = await signedInClient("carol@example.com");
  try {
    await addForeignRows(5000);
    for (const [who, token] of [["carol", accessToken], ["anon", null]] as const) {
      for (const mode of ["planned", "estimated"]) {
        for (const method of ["GET", "HEAD"]) {
          const label = `${method} ${who} count=${mode} ${EMBEDDED}`;
          assertRefused(await request(EMBEDDED, method, token, mode), method, label);
        }
      }
    }
    // The same request with an exact count runs under RLS: carol sees none of the 5,000.
    const exact = await get(EMBEDDED, accessToken, { prefer: "count=exact" });
    assertEquals(exact.status, 200, exact.body);
    assertEquals(exact.contentRange, "*/0");
  } finally {
    await removeForeignRows();
  }
});

Deno.test("planned and estimated counts are refused on every path: each relation, embeds and RPCs", async () => {
  const { accessToken } = await signedInClient("alice@example.com");
  const relations = await readableRelations();
  // Public catalog tables too: which of them embed a private one is in the query string, which
  // the guard cannot see.
  for (const table of ["products", "prices", ...PRIVATE]) {
    assert(relations.includes(table), `${table} in ${relations}`);
  }
  const paths = [
    ...relations.map((r) => `${r}?select=*`),
    // Every private table embedded in every readable relation it has a foreign key with.
    "products?select=product_id,prices(price_id,subscription_items(subscription_id))",
    "customers?select=customer_id,subscriptions(subscription_id)",
    "customers?select=customer_id,transactions(transaction_id)",
    "subscriptions?select=subscription_id,customers(customer_id)",
    "subscription_items?select=price_id,subscriptions(subscription_id)",
    "rpc/has_active_subscription",
  ];
  for (const path of paths) {
    for (const mode of ["planned", "estimated"]) {
      for (const method of ["GET", "HEAD"]) {
        const label = `${method} ${path} count=${mode}`;
        assertRefused(await request(path, method, accessToken, mode), method, label);
        if (!path.startsWith("rpc/")) {
          assertRefused(await request(path, method, null, mode), method, `anon ${label}`);
        }
      }
    }
  }
});

Deno.test("the query plan is not served to API callers", async () => {
  const { accessToken } = await signedInClient("carol@example.com");
  const res = await get("subscriptions?select=*", accessToken, {
    accept: "application/vnd.pgrst.plan+json",
  });
  assert(res.status >= 400, `plan answered ${res.status}`);
  assert(!/Plan Rows|"Plan"/.test(res.body), res.body.slice(0, 200));
});
