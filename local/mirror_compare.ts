/**
 * Whether the mirror holds what Paddle holds for some customers and their subscriptions: each
 * customer's email, and each subscription's customer, status and items (price and quantity),
 * read from the simulator's API and from the database. Returns the differences, none when equal.
 */
import { withClient } from "./database.ts";
import type { SimulatorAccess } from "./simulated_sales.ts";

interface PaddleSubscription {
  id: string;
  customer_id: string;
  status: string;
  items: { price: { id: string }; quantity: number }[];
}

export async function mirrorDifferences(
  dbUrl: string,
  paddle: SimulatorAccess,
  customerIds: string[],
): Promise<string[]> {
  const customers = await listAll<{ id: string; email: string }>(
    paddle,
    "/customers?status=active,archived&id=",
    customerIds,
  );
  const subscriptions = await listAll<PaddleSubscription>(
    paddle,
    "/subscriptions?customer_id=",
    customerIds,
  );
  return await withClient(dbUrl, async (db) => {
    const problems: string[] = [];
    const { rows: customerRows } = await db.query<{ customer_id: string; email: string }>(
      "select customer_id, email from public.customers where customer_id = any($1)",
      [customerIds],
    );
    const email = new Map(customerRows.map((r) => [r.customer_id, r.email]));
    if (customers.length !== customerIds.length) {
      problems.push(`Paddle holds ${customers.length} of ${customerIds.length} customers`);
    }
    for (const c of customers) {
      if (email.get(c.id) !== c.email) problems.push(`${c.id}: email differs or is missing`);
    }
    const { rows } = await db.query<
      { subscription_id: string; customer_id: string; status: string; items: string[] }
    >(
      `select s.subscription_id, s.customer_id, s.status,
              array_agg(i.price_id || 'x' || i.quantity order by i.price_id) as items
         from public.subscriptions s join public.subscription_items i using (subscription_id)
        where s.customer_id = any($1) group by 1, 2, 3`,
      [customerIds],
    );
    const mirrored = new Map(rows.map((r) => [r.subscription_id, r]));
    if (rows.length !== subscriptions.length) {
      problems.push(`mirror holds ${rows.length} subscriptions, Paddle ${subscriptions.length}`);
    }
    for (const s of subscriptions) {
      const row = mirrored.get(s.id);
      const items = s.items.map((i) => `${i.price.id}x${i.quantity}`).sort();
      if (!row) problems.push(`${s.id}: not mirrored`);
      else if (
        row.customer_id !== s.customer_id || row.status !== s.status ||
        JSON.stringify(row.items) !== JSON.stringify(items)
      ) problems.push(`${s.id}: customer, status or items differ`);
    }
    return problems;
  });
}

/** Every page of a list filtered by ids, 100 ids a request. */
async function listAll<T>(paddle: SimulatorAccess, path: string, ids: string[]): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    let next: string | null = `${paddle.apiUrl}${path}${ids.slice(i, i + 100).join(",")}` +
      "&per_page=200";
    while (next) {
      const res: Response = await fetch(next, {
        headers: { authorization: `Bearer ${paddle.apiKey}` },
      });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      const body = await res.json();
      found.push(...body.data);
      next = body.meta.pagination.has_more ? body.meta.pagination.next : null;
    }
  }
  return found;
}
