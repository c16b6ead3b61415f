import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GENEROUS_LIMITS } from '../setup/api-client';
import { createTestApp } from '../setup/test-app';

/** The service with the built console, listening on a free port of 127.0.0.1. */
export async function startConsoleApp(): Promise<{ app: NestExpressApplication; baseUrl: string }> {
  const app = await createTestApp({ env: GENEROUS_LIMITS });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

export type ConsolePage = { context: BrowserContext; page: Page; errors: string[] };

/** A fresh browser context (its own session storage) on the console, at 1280×800 unless told. */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1280, height: 800 },
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl, timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  // A CSP refusal or a script error shows up here; the tests expect none. The API's 4xx answers
  // that a test provokes are logged by the browser too, and are not the page's errors.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
      errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/console');
  return { context, page, errors };
}

/** Signs in with the token form (SPEC §13: fields Tenant and Token, button Sign in). */
export async function signIn(page: Page, tenant: string, token: string): Promise<void> {
  await page.getByLabel('Tenant').fill(tenant);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
}
