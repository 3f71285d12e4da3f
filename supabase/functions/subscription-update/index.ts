import { createHandler } from "./handler.ts";
import { loadDeps } from "./deps.ts";

Deno.serve(createHandler(loadDeps()));
