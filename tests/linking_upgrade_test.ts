/**
 * Linking a Paddle customer to the user who becomes a confirmed, non-anonymous holder of its email,
 * in every order Supabase Auth can get there: an anonymous user who upgrades gets the email, its
 * confirmation and `is_anonymous = false` in one update or in several, in any order (identity
 * linking confirms the email first and clears `is_anonymous` later). The trigger
 * `paddle_link_customer_on_user_ready` on auth.users links on the update that completes the state,
 * never before, and never a user who is still anonymous, unconfirmed, deleted, or one of two
 * holders of the email.
 */
import { assertEquals } from "@std/assert";
import { type Client, randomPaddleId, withClient } from "./_db.ts";

type Change = "email" | "confirm" | "deanonymise";

const SET: Record<Change, string> = {
  email: "email = $2",
  confirm: "email_confirmed_at = now()",
  deanonymise: "is_anonymous = false",
};

async function anonymousUser(db: Client): Promise<string> {
  const { rows } = await db.query(
    `insert into auth.users (aud, role, is_anonymous, raw_app_meta_data)
     values ('authenticated', 'authenticated', true, '{"provider":"anonymous","providers":[]}')
     returning id`,
  );
  return rows[0].id;
}

async function unlinkedCustomer(db: Client, email: string): Promise<string> {
  const customerId = randomPaddleId("ctm");
  await db.query("insert into public.customers (customer_id, email) values ($1, $2)", [
    customerId,
    email,
  ]);
  return customerId;
}

async function linkedUser(db: Client, customerId: string): Promise<string | null> {
  const { rows } = await db.query("select user_id from public.customers where customer_id = $1", [
    customerId,
  ]);
  return rows[0].user_id;
}

/** Applies `steps` as separate updates (each step's changes in one update); the link after each. */
async function upgrade(
  db: Client,
  userId: string,
  email: string,
  steps: Change[][],
  customerId: string,
): Promise<(string | null)[]> {
  const seen: (string | null)[] = [];
  for (const step of steps) {
    await db.query(
      `update auth.users set ${step.map((c) => SET[c]).join(", ")} where id = $1`,
      step.includes("email") ? [userId, email] : [userId],
    );
    seen.push(await linkedUser(db, customerId));
  }
  return seen;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

/** Every way to apply the three changes: one update, two (either grouping), or three. */
function orders(): Change[][][] {
  const all: Change[] = ["email", "confirm", "deanonymise"];
  const out: Change[][][] = [[all]];
  for (const p of permutations(all)) {
    out.push(p.map((c) => [c]));
    out.push([[p[0], p[1]], [p[2]]]);
  }
  // [[a, b], [c]] and [[b, a], [c]] are the same update: keep one of each.
  const key = (o: Change[][]) => JSON.stringify(o.map((step) => [...step].sort()));
  return out.filter((o, i) => out.findIndex((x) => key(x) === key(o)) === i);
}

for (const steps of orders()) {
  const name = steps.map((s) => s.join("+")).join(", then ");
  Deno.test(`an anonymous user who upgrades (${name}) is linked when the last change lands`, async () => {
    await withClient(async (db) => {
      const email = `upgrade-${crypto.randomUUID().slice(0, 8)}@example.test`;
      const customerId = await unlinkedCustomer(db, email);
      const userId = await anonymousUser(db);
      const seen = await upgrade(db, userId, email, steps, customerId);
      assertEquals(seen, [...steps.slice(1).map(() => null), userId]);
    });
  });
}

Deno.test("a user created confirmed and non-anonymous (OAuth, admin) is linked on insert", async () => {
  await withClient(async (db) => {
    const email = `oauth-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const customerId = await unlinkedCustomer(db, email);
    const { rows } = await db.query(
      `insert into auth.users (aud, role, email, email_confirmed_at)
       values ('authenticated', 'authenticated', $1, now()) returning id`,
      [email.toUpperCase()],
    );
    assertEquals(await linkedUser(db, customerId), rows[0].id);
  });
});

Deno.test("not linked: still anonymous, never confirmed, or deleted", async () => {
  await withClient(async (db) => {
    for (
      const [label, steps] of [
        ["still anonymous", [["email", "confirm"]]],
        ["unconfirmed", [["email"], ["deanonymise"]]],
      ] as [string, Change[][]][]
    ) {
      const email = `neg-${crypto.randomUUID().slice(0, 8)}@example.test`;
      const customerId = await unlinkedCustomer(db, email);
      const userId = await anonymousUser(db);
      const seen = await upgrade(db, userId, email, steps, customerId);
      assertEquals(seen.at(-1), null, label);
    }

    // Soft-deleted (deleted_at set) before the upgrade completes: never linked.
    const email = `deleted-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const customerId = await unlinkedCustomer(db, email);
    const userId = await anonymousUser(db);
    await db.query("update auth.users set deleted_at = now() where id = $1", [userId]);
    const seen = await upgrade(
      db,
      userId,
      email,
      [["email", "confirm"], ["deanonymise"]],
      customerId,
    );
    assertEquals(seen, [null, null]);
  });
});

Deno.test("not linked: two confirmed users hold the email (case differs)", async () => {
  await withClient(async (db) => {
    const email = `twice-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const customerId = await unlinkedCustomer(db, email);
    await db.query(
      `insert into auth.users (aud, role, email, email_confirmed_at)
       values ('authenticated', 'authenticated', $1, null)`,
      [email.toUpperCase()],
    );
    const userId = await anonymousUser(db);
    await db.query("update auth.users set email_confirmed_at = now() where email = $1", [
      email.toUpperCase(),
    ]);
    // The first holder confirmed alone: linked to them. Unlink to test the ambiguous case.
    await db.query("update public.customers set user_id = null where customer_id = $1", [
      customerId,
    ]);
    const seen = await upgrade(
      db,
      userId,
      email,
      [["email", "confirm", "deanonymise"]],
      customerId,
    );
    assertEquals(seen, [null]);
  });
});

Deno.test("an unrelated update of a linked-ready user links nothing new and fails nothing", async () => {
  await withClient(async (db) => {
    const email = `quiet-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const userId = await anonymousUser(db);
    await db.query(
      "update auth.users set email = $2, email_confirmed_at = now(), is_anonymous = false where id = $1",
      [userId, email],
    );
    // A customer with the email appears later (its webhook links it); a later sign-in update
    // touching the watched columns without changing the state must not move or fail anything.
    const customerId = await unlinkedCustomer(db, email);
    await db.query("update auth.users set email_confirmed_at = email_confirmed_at where id = $1", [
      userId,
    ]);
    assertEquals(await linkedUser(db, customerId), null);
  });
});
