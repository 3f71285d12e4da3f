/**
 * Reads the database's Paddle mirror as the Paddle account the local simulator should hold:
 * every product, price, customer, subscription (with its items) and transaction, mapped back to Paddle's API
 * JSON by paddle_simulator/mirror_rows.ts. The stack loads it into the simulator at start, so the
 * simulator and the seeded database tell the same story and a sync right away writes nothing.
 *
 * Columns a database does not have yet (one migrated before the catalog and items existed) read
 * as null, and missing tables as empty, so the stack still starts on any migration level.
 */
// @ts-types="@types/pg"
import type pg from "pg";
import { withClient } from "./database.ts";
import {
  accountFromMirror,
  type CustomerRow,
  type MirroredAccount,
  type PriceRow,
  type ProductRow,
  type SubscriptionItemRow,
  type SubscriptionRow,
} from "./paddle_simulator/mirror_rows.ts";
import type { TransactionRow } from "./paddle_simulator/mirror_transactions.ts";

type Kind = "text" | "time" | "json" | "int" | "bool";

const TRANSACTION_COLUMNS = {
  transaction_id: "text",
  customer_id: "text",
  subscription_id: "text",
  status: "text",
  origin: "text",
  collection_mode: "text",
  currency_code: "text",
  subtotal: "text",
  discount: "text",
  tax: "text",
  total: "text",
  grand_total: "text",
  credit: "text",
  balance: "text",
  invoice_id: "text",
  invoice_number: "text",
  billed_at: "time",
  billing_period_starts_at: "time",
  billing_period_ends_at: "time",
  line_items: "json",
  payment_status: "text",
  payment_error_code: "text",
  payment_method_type: "text",
  payment_card_brand: "text",
  payment_card_last4: "text",
  payment_attempted_at: "time",
  custom_data: "json",
  revised_at: "time",
  created_at: "time",
  updated_at: "time",
} satisfies Record<keyof TransactionRow, Kind>;

const PRODUCT_COLUMNS = {
  product_id: "text",
  name: "text",
  description: "text",
  type: "text",
  tax_category: "text",
  image_url: "text",
  status: "text",
  custom_data: "json",
  import_meta: "json",
  created_at: "time",
  updated_at: "time",
  last_event_occurred_at: "time",
} satisfies Record<keyof ProductRow, Kind>;

const PRICE_COLUMNS = {
  price_id: "text",
  product_id: "text",
  name: "text",
  description: "text",
  type: "text",
  tax_mode: "text",
  unit_price_amount: "text",
  unit_price_currency: "text",
  unit_price_overrides: "json",
  billing_cycle_interval: "text",
  billing_cycle_frequency: "int",
  trial_period_interval: "text",
  trial_period_frequency: "int",
  quantity_minimum: "int",
  quantity_maximum: "int",
  status: "text",
  custom_data: "json",
  import_meta: "json",
  created_at: "time",
  updated_at: "time",
  last_event_occurred_at: "time",
} satisfies Record<keyof PriceRow, Kind>;

const CUSTOMER_COLUMNS = {
  customer_id: "text",
  email: "text",
  name: "text",
  status: "text",
  custom_data: "json",
  import_meta: "json",
  created_at: "time",
  paddle_updated_at: "time",
  last_event_occurred_at: "time",
  updated_at: "time",
} satisfies Record<keyof CustomerRow, Kind>;

const SUBSCRIPTION_COLUMNS = {
  subscription_id: "text",
  customer_id: "text",
  status: "text",
  price_id: "text",
  product_id: "text",
  scheduled_change_action: "text",
  scheduled_change_effective_at: "time",
  scheduled_change_resume_at: "time",
  currency_code: "text",
  collection_mode: "text",
  billing_cycle_interval: "text",
  billing_cycle_frequency: "int",
  current_period_starts_at: "time",
  current_period_ends_at: "time",
  next_billed_at: "time",
  started_at: "time",
  first_billed_at: "time",
  paused_at: "time",
  canceled_at: "time",
  custom_data: "json",
  import_meta: "json",
  created_at: "time",
  paddle_updated_at: "time",
  last_event_occurred_at: "time",
  updated_at: "time",
} satisfies Record<keyof SubscriptionRow, Kind>;

const ITEM_COLUMNS = {
  subscription_id: "text",
  price_id: "text",
  product_id: "text",
  quantity: "int",
  status: "text",
  recurring: "bool",
  created_at: "time",
  updated_at: "time",
  previously_billed_at: "time",
  next_billed_at: "time",
  trial_starts_at: "time",
  trial_ends_at: "time",
} satisfies Record<keyof SubscriptionItemRow, Kind>;

export async function readPaddleAccount(dbUrl: string): Promise<MirroredAccount> {
  return await withClient(dbUrl, async (client) => {
    const { rows } = await client.query<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns
        where table_schema = 'public'
          and table_name in ('products', 'prices', 'customers', 'subscriptions', 'subscription_items',
                             'transactions')`,
    );
    const present = new Set(rows.map((row) => `${row.table_name}.${row.column_name}`));
    const read = <T>(table: string, columns: Record<string, Kind>, orderBy: string) =>
      readTable<T>(client, present, table, columns, orderBy);
    return accountFromMirror({
      products: await read<ProductRow>("products", PRODUCT_COLUMNS, "product_id"),
      prices: await read<PriceRow>("prices", PRICE_COLUMNS, "price_id"),
      customers: await read<CustomerRow>("customers", CUSTOMER_COLUMNS, "customer_id"),
      subscriptions: await read<SubscriptionRow>(
        "subscriptions",
        SUBSCRIPTION_COLUMNS,
        "subscription_id",
      ),
      items: await read<SubscriptionItemRow>(
        "subscription_items",
        ITEM_COLUMNS,
        "subscription_id, price_id",
      ),
      transactions: await read<TransactionRow>(
        "transactions",
        TRANSACTION_COLUMNS,
        "transaction_id",
      ),
    });
  });
}

async function readTable<T>(
  client: pg.Client,
  present: ReadonlySet<string>,
  table: string,
  columns: Record<string, Kind>,
  orderBy: string,
): Promise<T[]> {
  const key = orderBy.split(",")[0].trim();
  if (!present.has(`${table}.${key}`)) return [];
  const list = Object.entries(columns).map(([column, kind]) =>
    `${present.has(`${table}.${column}`) ? expression(column, kind) : "null"} as ${column}`
  );
  const { rows } = await client.query(
    `select ${list.join(", ")} from public.${table} order by ${orderBy}`,
  );
  return rows as T[];
}

/** Text in Paddle's own timestamp format keeps the microseconds a JS Date would drop. */
function expression(column: string, kind: Kind): string {
  switch (kind) {
    case "time":
      return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case "text":
      return `${column}::text`;
    case "int":
      return `${column}::int`;
    default:
      return column;
  }
}
