/**
 * Headless Chromium for the page tests: Debian's `chromium` driven by npm `playwright-core`
 * (browser downloads do not work on the project's machines). No browser is a failure, never a
 * skip: with `CI` set the suite must run for real, and without it a clear message beats a
 * silently green run.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { join } from "node:path";
import { stackInfo } from "../_stack.ts";
import { paddle } from "../_paddle.ts";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const PROJECT_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const RESULTS_DIR = join(PROJECT_ROOT, "test-results", "web");
export const DOCS_SCREENSHOT = join(PROJECT_ROOT, "docs", "screenshot-signed-in.png");

/**
 * Launches Chromium with a fresh profile (Playwright creates a new temporary user-data-dir per
 * launch and deletes it on close).
 */
export async function launchChromium(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    const where = Deno.env.get("CI")
      ? "CI is set, so the browser tests fail rather than skip"
      : "the browser tests need it and never skip";
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH} (${where}). Install Debian's build with ` +
        "`apt-get update && apt-get install -y chromium`, or set CHROMIUM_PATH.",
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * The page's origin in the tests: `localhost` while the API (config.js's SUPABASE_URL) is
 * `127.0.0.1`, so every API call is cross-origin, with preflights and CORS, as in a deployment.
 */
export function pageOrigin(): string {
  const url = new URL(stackInfo().apiUrl);
  url.hostname = "localhost";
  return url.origin;
}

export function paddleOrigin(): string {
  return new URL(stackInfo().paddle.apiUrl).origin;
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page; every test expects none. */
  pageErrors: Error[];
  close(): Promise<void>;
}

export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number; origin?: string } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    baseURL: options.origin ?? pageOrigin(),
    viewport: { width: options.width ?? 900, height: options.height ?? 800 },
    locale: "en-US",
    timezoneId: "UTC",
    colorScheme: "light",
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on("pageerror", (error) => pageErrors.push(error));
  return { context, page, pageErrors, close: () => context.close() };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/**
 * `browserStep` for a whole test: each step on a fresh page at `defaults.origin` (default
 * `pageOrigin()`), optionally `size` wide, with the simulator's faults reset afterwards.
 */
export function pageSteps(
  t: Deno.TestContext,
  browser: Browser,
  defaults: { origin?: string } = {},
) {
  return (
    name: string,
    body: (tp: TestPage) => Promise<void>,
    size?: { width: number },
  ): Promise<boolean> =>
    browserStep(t, browser, name, body, {
      ...defaults,
      ...size,
      afterEach: () => paddle.clearFaults(),
    });
}

export { paddle, type RecordedRequest } from "../_paddle.ts";

/**
 * A `t.step` with a fresh page: it fails on uncaught page errors and leaves a screenshot in
 * test-results/web/ when it fails.
 */
export function browserStep(
  t: Deno.TestContext,
  browser: Browser,
  name: string,
  body: (tp: TestPage) => Promise<void>,
  options: { width?: number; origin?: string; afterEach?: () => Promise<void> } = {},
): Promise<boolean> {
  return t.step(name, async () => {
    const tp = await openPage(browser, options);
    try {
      await body(tp);
      if (tp.pageErrors.length > 0) {
        throw new Error(`uncaught errors in the page: ${tp.pageErrors.map((e) => e.message)}`);
      }
    } catch (error) {
      await screenshot(tp.page, `FAILED-${name.replace(/\W+/g, "-").slice(0, 60)}`).catch(
        () => {},
      );
      throw error;
    } finally {
      await tp.close();
      await options.afterEach?.();
    }
  });
}
