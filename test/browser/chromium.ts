import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package (`apt-get install chromium`); CHROMIUM_PATH names another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CONSOLE_INDEX = 'dist/public/console/index.html';

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests can run here. Without Chromium, `npm test` says so and skips them;
 * in CI (CI=true) a missing browser is a failure, never a skip.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message =
    `Browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH}. ` +
    'Install it with `apt-get install chromium` (Debian) or set CHROMIUM_PATH.';
  if (process.env.CI) throw new Error(`${message} CI never skips them.`);
  console.warn(message);
  return false;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CONSOLE_INDEX)) {
    throw new Error(`The console is not built (${CONSOLE_INDEX} is missing): run npm run build first`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
}

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };

/**
 * axe-core's serious and critical violations on the page as it is now. The script is evaluated
 * through the DevTools protocol, which the page's Content-Security-Policy does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await inPage<AxeViolation[]>(page, 'axe.run(document).then((result) => result.violations)');
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

/** Polls `check` until it passes or `timeoutMs` has gone by (then throws its last error). */
export async function eventually(check: () => Promise<void>, timeoutMs = 15_000, stepMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How many pixels the page is wider than the window (0 or less: no horizontal scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return inPage<number>(page, 'document.documentElement.scrollWidth - window.innerWidth');
}

/** The value of a JavaScript expression in the page (a string: the test code has no DOM types). */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}
