import { INestApplication, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Clock } from '../../src/common/clock';
import { ExpressHttpAdapter } from '../../src/http-adapter';
import { AppConfig, loadConfig } from '../../src/config/app-config';

export type TestAppOptions = {
  /** Environment variables layered over the test environment for this app only. */
  env?: Record<string, string>;
  clock?: Clock;
  /** Extra controllers mounted beside the application's own (guard probes). */
  controllers?: Type[];
};

/** A fully configured application, as main.ts builds it, on the test database. */
export async function createTestApp(options: TestAppOptions = {}): Promise<NestExpressApplication> {
  const config = withoutDevelopmentAccountsWarning(loadConfig({ ...process.env, ...options.env }));
  let builder = Test.createTestingModule({
    imports: [AppModule.register(config)],
    controllers: options.controllers ?? [],
  });
  if (options.clock) builder = builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(new ExpressHttpAdapter(), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureApp(app);
  await app.init();
  return app;
}

/**
 * Test apps use the development accounts on purpose (DEV_TOKENS). Their loud start-up warning is
 * meant for a person starting the service and would print once per test app, burying the warnings
 * that matter; the accounts stay the same, every other warning still shows, and the built service
 * still prints it (test/integration/service-start.int-spec.ts).
 */
function withoutDevelopmentAccountsWarning(config: AppConfig): AppConfig {
  return { ...config, auth: { ...config.auth, developmentDefaults: false } };
}

/**
 * The e2e lifecycle in one line: an app started before the enclosing block's tests (beforeAll) and
 * closed after them (afterAll), for `const app = useTestApp({ env })`. The handle stands for the
 * started app (every property is the app's own, methods bound to it), so it is used as the app
 * itself: `apiAs(app, …)`, `app.get(…)`, `app.getHttpServer()`. Touching it outside the block's
 * tests and hooks throws. `options` may be a function, called in beforeAll, when they are only
 * known then (a directory a hook created).
 */
export function useTestApp(options: TestAppOptions | (() => TestAppOptions) = {}): NestExpressApplication {
  let app: NestExpressApplication | undefined;
  beforeAll(async () => {
    app = await createTestApp(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await closeApp(app);
    app = undefined;
  });
  const started = (): NestExpressApplication => {
    if (!app) throw new Error('useTestApp: the app runs only inside the tests and hooks of its describe block');
    return app;
  };
  return new Proxy({} as NestExpressApplication, {
    get(_target, property) {
      const target = started();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    has: (_target, property) => Reflect.has(started(), property),
    getPrototypeOf: () => Reflect.getPrototypeOf(started()),
  });
}

export async function closeApp(app: INestApplication | undefined): Promise<void> {
  await app?.close();
}

/** A tenant id no other test uses, so test files can share one PostgreSQL database. */
export function uniqueTenant(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const DEV_TOKENS = {
  reader: 'dev-reader-token',
  writer: 'dev-writer-token',
  admin: 'dev-admin-token',
} as const;
