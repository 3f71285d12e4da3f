/**
 * The simulated Paddle account: products, prices, customers and subscriptions, each kept by id
 * with an id index sorted the way Paddle's cursors compare (`after` is an entity id). Paddle ids
 * are time-ordered, so new entities usually append to the index; an out-of-order insert marks
 * it unsorted and the next read sorts once, keeping a load of 10,000 entities O(n log n).
 */

import type {
  EntityBatch,
  EntityKind,
  PaddleCustomer,
  PaddlePrice,
  PaddleProduct,
  PaddleSubscription,
} from "./entities.ts";
import { ENTITY_KINDS } from "./entities.ts";
import { CardOutcomes } from "./cards.ts";
import { SimulatedClock } from "./clock.ts";
import type { PaddleTransaction } from "./transactions.ts";
import type { PaddleAddress } from "./addresses_api.ts";
import type { PaddleAdjustment } from "./adjustments_api.ts";

export interface PageQuery<T> {
  /** Exclusive cursor: the page starts after this id in the chosen direction. */
  after?: string;
  descending: boolean;
  perPage: number;
  /** Only these ids (the `id` filter); absent means every stored entity. */
  ids?: readonly string[];
  /** The other filters; absent means every candidate matches. */
  match?: (entity: T) => boolean;
  /** Count every match for `estimated_total` (skipped for `Skip-Count: true`). */
  count: boolean;
}

export interface Page<T> {
  entities: T[];
  hasMore: boolean;
  /** Matches of the filters regardless of the cursor; null when not counted. */
  total: number | null;
}

export class EntityTable<T extends { id: string }> {
  readonly #byId = new Map<string, T>();
  readonly #ids: string[] = [];
  #sorted = true;

  /** Inserts or replaces by id; true when the id is new. */
  upsert(entity: T): boolean {
    const isNew = !this.#byId.has(entity.id);
    this.#byId.set(entity.id, entity);
    if (isNew) {
      const last = this.#ids[this.#ids.length - 1];
      if (last !== undefined && entity.id < last) this.#sorted = false;
      this.#ids.push(entity.id);
    }
    return isNew;
  }

  get(id: string): T | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  clear(): void {
    this.#byId.clear();
    this.#ids.length = 0;
    this.#sorted = true;
  }

  /** Every id, ascending in code-unit order (how Paddle's ids and cursors compare). */
  sortedIds(): readonly string[] {
    if (!this.#sorted) {
      this.#ids.sort();
      this.#sorted = true;
    }
    return this.#ids;
  }

  page(query: PageQuery<T>): Page<T> {
    const candidates = query.ids
      ? [...new Set(query.ids)].filter((id) => this.#byId.has(id)).sort()
      : this.sortedIds();
    const matches = (id: string) => {
      const entity = this.#byId.get(id) as T;
      return !query.match || query.match(entity) ? entity : undefined;
    };

    const entities: T[] = [];
    let hasMore = false;
    const step = query.descending ? -1 : 1;
    let index = startIndex(candidates, query.after, query.descending);
    for (; index >= 0 && index < candidates.length; index += step) {
      const entity = matches(candidates[index]);
      if (!entity) continue;
      if (entities.length === query.perPage) {
        hasMore = true;
        break;
      }
      entities.push(entity);
    }

    let total: number | null = null;
    if (query.count) {
      if (!query.match) {
        total = candidates.length;
      } else {
        total = 0;
        for (const id of candidates) if (matches(id)) total++;
      }
    }
    return { entities, hasMore, total };
  }
}

/** The first index to visit: just past `after` in the direction of travel. */
function startIndex(ids: readonly string[], after: string | undefined, descending: boolean) {
  if (after === undefined) return descending ? ids.length - 1 : 0;
  // The first index whose id is greater than `after` (binary search).
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ids[middle] <= after) low = middle + 1;
    else high = middle;
  }
  if (!descending) return low;
  // Descending: the last id lower than `after`.
  return low > 0 && ids[low - 1] === after ? low - 2 : low - 1;
}

export type EntityCounts = Record<EntityKind, number>;

export class EntityStore {
  readonly products = new EntityTable<PaddleProduct>();
  readonly prices = new EntityTable<PaddlePrice>();
  readonly customers = new EntityTable<PaddleCustomer>();
  readonly subscriptions = new EntityTable<PaddleSubscription>();
  /** Created by `POST /transactions` (and loaded with an account); not counted with the four kinds. */
  readonly transactions = new EntityTable<PaddleTransaction>();
  /** Customers' addresses (`/customers/{id}/addresses`); not counted with the four kinds. */
  readonly addresses = new EntityTable<PaddleAddress>();
  /** Refunds and credits made by `POST /adjustments` (adjustments_api.ts). */
  readonly adjustments = new EntityTable<PaddleAdjustment>();
  /** Simulated time: what every timestamp and due date of this account reads. */
  readonly clock: SimulatedClock;
  /** Whether each customer's card on file declines charges made without the buyer present. */
  readonly cards = new CardOutcomes();

  constructor(clock: SimulatedClock = new SimulatedClock()) {
    this.clock = clock;
  }

  /** Upserts a validated batch; returns how many of each kind were new. */
  load(batch: EntityBatch): EntityCounts {
    const inserted = emptyCounts();
    for (const product of batch.products ?? []) {
      if (this.products.upsert(product)) inserted.products++;
    }
    for (const price of batch.prices ?? []) if (this.prices.upsert(price)) inserted.prices++;
    for (const customer of batch.customers ?? []) {
      if (this.customers.upsert(customer)) inserted.customers++;
    }
    for (const subscription of batch.subscriptions ?? []) {
      if (this.subscriptions.upsert(subscription)) inserted.subscriptions++;
    }
    for (const transaction of batch.transactions ?? []) {
      this.transactions.upsert(transaction);
    }
    return inserted;
  }

  counts(): EntityCounts {
    return {
      products: this.products.size,
      prices: this.prices.size,
      customers: this.customers.size,
      subscriptions: this.subscriptions.size,
    };
  }

  clear(): void {
    for (const kind of ENTITY_KINDS) this[kind].clear();
    this.transactions.clear();
    this.addresses.clear();
    this.adjustments.clear();
    this.cards.clear();
  }
}

export function emptyCounts(): EntityCounts {
  return { products: 0, prices: 0, customers: 0, subscriptions: 0 };
}

export function batchCounts(batch: EntityBatch): EntityCounts {
  return {
    products: batch.products?.length ?? 0,
    prices: batch.prices?.length ?? 0,
    customers: batch.customers?.length ?? 0,
    subscriptions: batch.subscriptions?.length ?? 0,
  };
}
