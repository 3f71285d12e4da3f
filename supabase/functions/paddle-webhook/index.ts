// Paddle notification destination: see handler.ts. Configuration is read once, at boot.
import { loadConfig } from "./config.ts";
import { createWebhookHandler } from "./handler.ts";

Deno.serve(createWebhookHandler(loadConfig((name) => Deno.env.get(name))));
