// Deployment settings for the "Manage subscription" page.
//
// Copy this file to web/config.js next to index.html and fill it in. Everything here is
// public: the browser key is meant to ship to browsers (row-level security protects the data).
// Never put a service-role / sb_secret_ key or a Paddle API key in this file.
//
// The local stack (`deno task dev`, `deno task test`) does not read web/config.js: its gateway
// serves a generated /config.js pointing at the local API and the local copy of supabase-js.

// Your project's API URL: Supabase dashboard → Project Settings → API (or Data API).
export const SUPABASE_URL = "https://your-project-ref.supabase.co";

// The browser key: the publishable key (sb_publishable_...) or the legacy anon key (a JWT).
// Either name works; SUPABASE_PUBLISHABLE_KEY wins when both are set.
export const SUPABASE_ANON_KEY = "your-anon-or-publishable-key";

// Optional. Where the page loads supabase-js (an ES module) from. Default: jsDelivr, pinned to
// the version in import_map.json:
//   https://cdn.jsdelivr.net/npm/@supabase/supabase-js@2.119.1/+esm
// To self-host, serve a browser ESM build of the same version and give its URL here; a host
// other than this site or cdn.jsdelivr.net must also be added to script-src in index.html.
// export const SUPABASE_JS_URL = "https://cdn.jsdelivr.net/npm/@supabase/supabase-js@2.119.1/+esm";

// What "Choose a plan" offers is the catalog itself (public.catalog_prices: plans, and the
// add-ons each plan suggests in its custom_data; README, "The catalog"), the same list the
// checkout function sells from. There is no price list to keep here.

// The payment-link page (checkout.html). In Paddle → Checkout → Checkout settings, set the
// default payment link to https://<your site>/checkout.html, add your domain to the approved
// domains, and create a client-side token (Developer tools → Authentication).
// The checkout function's PADDLE_CHECKOUT_URL should point at the same page.

// Your client-side token: test_... for sandbox, live_... for production. It is public. The
// billing page uses it too, to show the plans in the buyer's currency with tax (Paddle.js
// PricePreview); without it the page shows the catalog prices.
export const PADDLE_CLIENT_TOKEN = "test_your_client_side_token";

// "sandbox" or "production": must match the token and the API key the functions use. Sandbox
// when left out, so a half-configured site never takes live payments.
export const PADDLE_ENVIRONMENT = "sandbox";

// Optional. Where Paddle.js loads from; another host must also be added to the script-src of
// checkout.html and index.html.
// export const PADDLE_JS_URL = "https://cdn.paddle.com/paddle/v2/paddle.js";

// Optional. Where the buyer lands after paying (resolved against checkout.html). The billing
// page shows "Setting up your subscription…" for ?checkout=complete until the webhooks land.
// export const CHECKOUT_SUCCESS_URL = "./?checkout=complete";
