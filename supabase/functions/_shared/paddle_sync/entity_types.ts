/**
 * The entity types the mirror holds, in the order a sync run visits them: the catalog first, so
 * the names of a subscription's items are there by the time its subscription arrives.
 */
export const ENTITY_TYPES = [
  "product",
  "price",
  "customer",
  "subscription",
  "transaction",
] as const;

export type EntityType = (typeof ENTITY_TYPES)[number];

export function isEntityType(value: unknown): value is EntityType {
  return typeof value === "string" && (ENTITY_TYPES as readonly string[]).includes(value);
}
