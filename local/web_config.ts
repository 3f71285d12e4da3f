/**
 * What the gateway serves the page beyond `web/`: `/config.js` with this
 * stack's URL and browser key (so a dev stack and a test stack never share a
 * file), replacing the deployment's own `web/config.js`.
 */
import type { StackInfo } from "./stack.ts";

export function webRoutes(
  info: StackInfo,
  _stateDir: string,
): Record<string, () => Response> {
  return {
    "/config.js": () =>
      new Response(
        `// Written by the local stack for this run only.\nexport const SUPABASE_URL = ${
          JSON.stringify(info.apiUrl)
        };\nexport const SUPABASE_ANON_KEY = ${JSON.stringify(info.anonKey)};\n`,
        {
          headers: {
            "content-type": "text/javascript; charset=utf-8",
            "cache-control": "no-store",
          },
        },
      ),
  };
}
