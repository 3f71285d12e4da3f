/**
 * Bench-only: the reference flow from `../shared/seed/paddle-customer-portal-skill.txt`, served as
 * an Edge Function on the same stack so it can be timed against ours. Never deploy it.
 */
import { createReferenceHandler, readReferenceEnv } from "./handler.ts";

Deno.serve(createReferenceHandler(readReferenceEnv(Deno.env.toObject())));
