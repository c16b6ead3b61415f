import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export type ServiceProcess = {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  /** Signals the process (unless it has exited) and resolves to its exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** Resolves to the exit code once the process has exited by itself (or by a signal sent already). */
  exited: () => Promise<number | null>;
};

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Starts the built service (`node dist/main.js`) as a real process and waits until it is ready. */
export async function startService(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    // No webhook worker unless asked: on a shared PostgreSQL database it would take other tests' deliveries.
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DG_LOG_LEVEL: 'log',
      PORT: String(port),
      HOST: '127.0.0.1',
      DG_WEBHOOK_DELIVERY_ENABLED: 'false',
      // The tests' webhook secret key (test-env.ts), so that a process reads secrets a test app sealed.
      ...(process.env.DG_WEBHOOK_SECRET_KEY ? { DG_WEBHOOK_SECRET_KEY: process.env.DG_WEBHOOK_SECRET_KEY } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const exit = once(child, 'exit');
  const exited = async () => ((await exit) as [number | null])[0];
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited();
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${baseUrl}/api/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { child, baseUrl, output: () => output, stop, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop('SIGKILL');
  throw new Error(`service not ready within ${timeoutMs} ms:\n${output}`);
}

/** Runs the service until it exits by itself (for start-up failures). */
export async function runServiceToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** The service's JSON log lines so far (what is not JSON, such as a start-up failure, is skipped). */
export function logLines(service: ServiceProcess): LogLine[] {
  // The last piece is '' or a line still being written.
  return service
    .output()
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits until a log line satisfies `match` (or the process exits, or the time is up) and returns it. */
export async function waitForLogLine(
  service: ServiceProcess,
  match: (line: LogLine) => boolean,
  timeoutMs = 30_000,
): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines(service).find(match);
    if (found) return found;
    if (service.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`no such log line:\n${service.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
