/** Sync state values for unit tests: one place for the shape the SQL functions return. */
import { ENTITY_TYPES, type EntityType } from "./entity_types.ts";
import type { EntityStatus, RunStatus } from "./sync_store.ts";

export const STARTED_AT = "2026-11-25T18:00:00+00:00";

export function entityStatus(
  entityType: EntityType,
  more: Partial<EntityStatus> = {},
): EntityStatus {
  return {
    entity_type: entityType,
    done: false,
    cursor: null,
    updated_since: null,
    pages: 0,
    records: 0,
    written: 0,
    items_written: 0,
    catalog_written: 0,
    linked: 0,
    estimated_total: null,
    started_at: STARTED_AT,
    finished_at: null,
    errors: 0,
    last_error: null,
    last_error_at: null,
    ...more,
  };
}

export function runStatus(
  more: Partial<RunStatus> = {},
  entity: (t: EntityType) => Partial<EntityStatus> = () => ({}),
): RunStatus {
  return {
    status: "syncing",
    run_id: "00000000-0000-4000-8000-000000000001",
    started_at: STARTED_AT,
    finished_at: null,
    pages: 0,
    records: 0,
    written: 0,
    entities: ENTITY_TYPES.map((t) => entityStatus(t, entity(t))),
    ...more,
  };
}
