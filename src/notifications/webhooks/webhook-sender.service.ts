import { Agent as HttpAgent, IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { resolvePublicAddresses, ResolvedAddress } from './webhook-address';
import { RESPONSE_BODY_LIMIT_BYTES } from './webhook-delivery';

export type SendResult = {
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
};

/**
 * One HTTP POST to a webhook endpoint. Redirects are not followed (a 3xx is a failure). Unless
 * private addresses are allowed, the host is resolved again here and the connection is pinned to
 * the addresses that passed the check, so DNS cannot swap in a private address in between.
 */
@Injectable()
export class WebhookSenderService implements OnModuleDestroy {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const maxSockets = config.webhooks.concurrency;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  onModuleDestroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const finish = (r: Omit<SendResult, 'duration_ms'>): SendResult => ({
      ...r,
      duration_ms: Math.round(performance.now() - started),
    });
    try {
      const target = new URL(url);
      let pinned: ResolvedAddress[] | undefined;
      if (!this.config.webhooks.allowPrivateAddresses) {
        const check = await resolvePublicAddresses(target.hostname, this.config.webhooks.timeoutMs);
        if (!check.ok) return finish({ response_status: null, response_body: null, error: `refused: ${check.reason}` });
        pinned = check.addresses;
      }
      const { status, text } = await this.send(target, headers, body, pinned);
      return finish({ response_status: status, response_body: text, error: null });
    } catch (e) {
      return finish({ response_status: null, response_body: null, error: describeError(e) });
    }
  }

  private send(
    target: URL,
    headers: Record<string, string>,
    body: string,
    pinned: ResolvedAddress[] | undefined,
  ): Promise<{ status: number; text: string }> {
    const https = target.protocol === 'https:';
    const options: RequestOptions = {
      method: 'POST',
      host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port || (https ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'DecisionGraph-Webhooks/1',
      },
      agent: https ? this.httpsAgent : this.httpAgent,
      ...(target.username
        ? { auth: `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` }
        : {}),
      ...(pinned ? { lookup: pinnedLookup(pinned) } : {}),
    };
    const timeoutMs = this.config.webhooks.timeoutMs;
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(options, (res) => {
        readLimited(res).then(resolve, reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', reject);
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
  }
}

/** The status and the first 2 KiB of the body; the rest is not read (the socket is dropped). */
function readLimited(res: IncomingMessage): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      const text = Buffer.concat(chunks)
        .subarray(0, RESPONSE_BODY_LIMIT_BYTES)
        .toString('utf8')
        .replaceAll('\u0000', '');
      resolve({ status: res.statusCode ?? 0, text });
    };
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_BODY_LIMIT_BYTES) {
        res.destroy();
        done();
      }
    });
    res.on('end', done);
    res.on('error', reject);
  });
}

/** A dns.lookup stand-in that answers with addresses already resolved and checked. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

function describeError(e: unknown): string {
  const error = e as NodeJS.ErrnoException;
  const message = (error?.message ?? String(e)).replaceAll('\u0000', '');
  return error?.code && !message.includes(error.code) ? `${error.code}: ${message}` : message;
}
