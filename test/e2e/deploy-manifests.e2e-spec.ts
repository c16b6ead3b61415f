import type { NestExpressApplication } from '@nestjs/platform-express';
// js-yaml comes with @nestjs/swagger (a production dependency); the test adds no package of its own.
import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { loadDatabaseConfig } from '../../src/config/database-config';
import { Env } from '../../src/config/env-parsers';
import { closeApp, createTestApp } from '../setup/test-app';

type Probe = { httpGet: { path: string; port: string } };
type Container = {
  name: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  envFrom?: { configMapRef: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle?: { preStop?: { exec: { command: string[] } } };
  resources: { limits: { memory: string } };
};
type PodSpec = {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsUser: number; runAsGroup: number };
  initContainers: Container[];
  containers: Container[];
  volumes: { name: string; secret: { secretName: string; items: { key: string; path: string }[] } }[];
};
type Resource = { kind: string; metadata: { name: string } };
type ConfigMap = Resource & { data: Record<string, string> };
type Secret = Resource & { stringData: Record<string, string> };
type Deployment = Resource & { spec: { template: { spec: PodSpec } } };
type Service = Resource & { spec: { ports: { targetPort: string }[] } };

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yaml = <T>(file: string) => load(read(`deploy/${file}`)) as T;

const { resources } = yaml<{ resources: string[] }>('kustomization.yaml');
const applied = resources.map((file) => yaml<Resource>(file));
const only = <T extends Resource>(kind: string) => applied.filter((r) => r.kind === kind) as T[];
const [configMap] = only<ConfigMap>('ConfigMap');
const [deployment] = only<Deployment>('Deployment');
const [service] = only<Service>('Service');
const secret = yaml<Secret>('secret.example.yaml');
const pod = deployment.spec.template.spec;
const [main] = pod.containers;
const [migrate] = pod.initContainers;

/**
 * The environment Kubernetes gives a container, with the Secret's files written under `dir`
 * instead of the mount path. `files` replaces Secret values (the example's placeholders).
 */
function containerEnv(container: Container, dir: string, files: Record<string, string> = {}): Env {
  const env: Env = {};
  for (const { configMapRef } of container.envFrom ?? []) {
    expect(configMapRef.name).toBe(configMap.metadata.name);
    Object.assign(env, configMap.data);
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    const ref = valueFrom?.secretKeyRef;
    if (ref) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(secret.stringData).toHaveProperty([ref.key]);
    }
    env[name] = ref ? secret.stringData[ref.key] : value;
  }
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((v) => v.name === mount.name)!;
    expect(volume.secret.secretName).toBe(secret.metadata.name);
    for (const item of volume.secret.items)
      writeFileSync(join(dir, item.path), files[item.key] ?? secret.stringData[item.key]);
    for (const [name, value] of Object.entries(env)) {
      if (value?.startsWith(`${mount.mountPath}/`)) env[name] = join(dir, basename(value));
    }
  }
  return env;
}

/** loadConfig over `env`, noting every variable it reads. */
function loadConfigNotingReads(env: Env): { config: AppConfig; reads: Set<string> } {
  const reads = new Set<string>();
  const noting = new Proxy(env, {
    get: (target, name) => {
      if (typeof name === 'string') reads.add(name);
      return Reflect.get(target, name);
    },
  });
  return { config: loadConfig(noting), reads };
}

/** A .dockerignore pattern as a regular expression over context-relative paths. */
function dockerignorePattern(glob: string): RegExp {
  const escape = (part: string) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${glob.split('**/').map(escape).join('(.*/)?')}$`);
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(): { instruction: string; args: string }[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [, instruction, args] = /^\s*(\S+)\s+(.*)$/.exec(line)!;
      return { instruction: instruction.toUpperCase(), args: args.trim() };
    });
}

describe('deployment: Dockerfile and Kubernetes manifests (SPEC §10)', () => {
  let dir: string;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // The test environment's key (test-env.ts): the probe app below seals the secrets of the shared test database.
  const webhookKey = process.env.DG_WEBHOOK_SECRET_KEY as string;
  const podEnv = () =>
    containerEnv(main, dir, { 'export-signing-key.pem': signingKey, 'webhook-secret-key': webhookKey });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dg-deploy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sets only variables the service reads, and starts in production on PostgreSQL with them', () => {
    const env = podEnv();
    const { config, reads } = loadConfigNotingReads(env);
    // NODE_OPTIONS is Node's own (the next test).
    expect(Object.keys(env).filter((name) => !reads.has(name) && name !== 'NODE_OPTIONS')).toEqual([]);
    expect(config).toMatchObject({ production: true, database: { kind: 'pg' }, exportSigning: { ephemeral: false } });
    expect(config.webhookSecrets.current?.key.toString('base64')).toBe(webhookKey);
    expect(config.auth.accounts.map((a) => a.accountId)).toEqual(['policy-engine', 'ops-admin']);
    // The init container applies the migrations, to the same database, before the service starts.
    expect([migrate.args, config.database.migrateOnStart]).toEqual([
      ['node', 'dist/cli/main.js', 'migrate', 'deploy'],
      false,
    ]);
    expect(migrate.envFrom).toEqual(main.envFrom);
  });

  it('migrates as the owner of the tables and serves as another login, on the same database (SPEC §15)', () => {
    const databaseKey = (c: Container) =>
      c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef.key as string;
    expect([databaseKey(migrate), databaseKey(main)]).toEqual(['database-migration-url', 'database-url']);
    // The migrate container sees no other database URL, the service not the owner's.
    expect(migrate.env?.map((e) => e.name)).toEqual(['DATABASE_URL']);
    expect(JSON.stringify(main)).not.toContain('database-migration-url');
    const owner = new URL(secret.stringData['database-migration-url']);
    const runtime = new URL(secret.stringData['database-url']);
    expect([runtime.host, runtime.pathname]).toEqual([owner.host, owner.pathname]);
    expect(runtime.username).not.toBe(owner.username);
    // What `migrate deploy` reads: the owner's PostgreSQL URL, not the embedded database.
    expect(loadDatabaseConfig(containerEnv(migrate, dir))).toMatchObject({ kind: 'pg', url: owner.toString() });
  });

  it('refuses to start on the example Secret as it is (its signing key is a placeholder)', () => {
    expect(() => loadConfig(containerEnv(main, dir))).toThrow('DG_EXPORT_SIGNING_KEY_FILE');
  });

  it('gives V8 a heap that Node accepts and that fits in the container’s memory limit', () => {
    const options = podEnv().NODE_OPTIONS as string;
    expect(options).toMatch(/--max-old-space-size=\d+/);
    // Node refuses to start on an option it does not know; the limit is what V8 makes of the options.
    const limit = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))'],
      { env: { PATH: process.env.PATH, NODE_OPTIONS: options }, encoding: 'utf8' },
    );
    const containerLimit = main.resources.limits.memory;
    expect(containerLimit).toMatch(/^\d+Mi$/);
    // What is not heap (Node's code, native memory, the drivers') was about 140 MiB on PostgreSQL
    // (bench/README.md, "Memory"): a heap that leaves less than 256 MiB of the limit risks the
    // kernel's OOM killer rather than V8's own out-of-memory handling.
    expect(Number(limit)).toBeLessThanOrEqual((parseInt(containerLimit, 10) - 256) * 1024 * 1024);
    expect(Number(limit)).toBeGreaterThan(256 * 1024 * 1024);
  });

  it('gives the pod more time to stop than the preStop pause, the request drain and a webhook attempt', () => {
    const { config } = loadConfigNotingReads(podEnv());
    const [, pause] = main.lifecycle?.preStop?.exec.command ?? ['sleep', '0'];
    const needed = Number(pause) + (config.observability.shutdownGraceMs + config.webhooks.timeoutMs) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
  });

  it('runs as the numeric non-root user the Dockerfile sets, and uses the port the service listens on', () => {
    const steps = dockerfile();
    const user = steps.filter((s) => s.instruction === 'USER').at(-1)!.args;
    expect(user).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    const { config } = loadConfigNotingReads(podEnv());
    const [port] = main.ports ?? [];
    expect(port.containerPort).toBe(config.port);
    expect(steps.find((s) => s.instruction === 'EXPOSE')?.args).toBe(String(config.port));
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual([port.name]);
    for (const probe of [main.startupProbe, main.livenessProbe, main.readinessProbe])
      expect(probe.httpGet.port).toBe(port.name);
  });

  it('builds the reviewer console in the build stage and ships it with dist/ (SPEC §13)', () => {
    const steps = dockerfile();
    const build = steps.findIndex((s) => s.instruction === 'RUN' && s.args === 'npm run build');
    const copyConsole = steps.findIndex((s) => s.instruction === 'COPY' && s.args === 'console ./console');
    expect(copyConsole).toBeGreaterThan(-1);
    expect(copyConsole).toBeLessThan(build);
    expect(steps.some((s) => s.instruction === 'COPY' && s.args === '--from=build /app/dist ./dist')).toBe(true);
    const { config } = loadConfigNotingReads(podEnv());
    expect(config.console.dir).toBe('dist/public/console');
  });

  it('copies only paths that exist and that .dockerignore leaves in the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map(dockerignorePattern);
    const sources = dockerfile()
      .filter((s) => s.instruction === 'COPY' && !s.args.startsWith('--from'))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'src', 'console', 'prisma/migrations']));
    for (const source of sources) {
      expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
      const ancestors = source.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
      expect([source, ancestors.filter((p) => ignored.some((re) => re.test(p)))]).toEqual([source, []]);
    }
  });

  describe('with the service configured as the pod is', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      const probeDir = mkdtempSync(join(tmpdir(), 'dg-deploy-app-'));
      const env = containerEnv(main, probeDir, {
        'export-signing-key.pem': signingKey,
        'webhook-secret-key': webhookKey,
      });
      // The test database instead of the example's host, migrated at start as the init container would.
      app = await createTestApp({
        env: {
          ...(env as Record<string, string>),
          DATABASE_URL: process.env.DATABASE_URL!,
          DG_MIGRATE_ON_START: 'true',
          DG_LOG_LEVEL: 'warn',
          // The pod's key comes from its file (the same key); not also from the test environment.
          DG_WEBHOOK_SECRET_KEY: '',
        },
      });
      rmSync(probeDir, { recursive: true, force: true });
    });
    afterAll(() => closeApp(app));

    it('answers the startup, liveness and readiness probes without credentials', async () => {
      expect([main.livenessProbe.httpGet.path, main.readinessProbe.httpGet.path]).toEqual([
        '/api/healthz',
        '/api/readyz',
      ]);
      for (const probe of [main.startupProbe, main.livenessProbe, main.readinessProbe]) {
        await request(app.getHttpServer()).get(probe.httpGet.path).expect(200);
      }
    });

    it('answers the Dockerfile HEALTHCHECK path, the liveness path', async () => {
      const check = dockerfile().find((s) => s.instruction === 'HEALTHCHECK')!.args;
      const [path] = /\/api\/[a-z]+/.exec(check) ?? [];
      expect(path).toBe(main.livenessProbe.httpGet.path);
      await request(app.getHttpServer()).get(path!).expect(200, { status: 'ok' });
    });
  });
});
