import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import { DomainError } from '../../common/error-codes';
import { parseRfc3339 } from '../../common/rfc3339';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PrismaService } from '../../database/prisma.service';
import { parseLimit } from '../notifications.service';
import { resolvePublicAddresses } from './webhook-address';
import { normalizeCategories } from './webhook-categories';
import { deliveryJson, DeliveryStatus, WebhookAttempt } from './webhook-delivery';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  endpointJson,
  newEndpointId,
  newSigningSecret,
  WebhookEndpoint,
} from './webhook-endpoint';
import { EndpointChanges, WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookSecretBox } from './webhook-secret-box';

/** Endpoints per tenant: every notification is written once per matching endpoint. */
export const MAX_ENDPOINTS_PER_TENANT = 100;

export type CreateEndpointInput = { url: string; description?: string; categories?: string[] };
export type UpdateEndpointInput = {
  url?: string;
  description?: string | null;
  categories?: string[];
  enabled?: boolean;
};
export type RotateSecretInput = { overlap_seconds?: number };
export type DeliveryListParams = { status?: string; limit?: string; cursor?: string };

/** Tenant admins' management of webhook endpoints and their deliveries (SPEC §8). */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly secrets: WebhookSecretBox,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The secret is in this response and in no other. */
  async create(principal: Principal, input: CreateEndpointInput) {
    const url = await this.checkUrl(input.url);
    const now = this.clock.now();
    const endpointId = newEndpointId();
    const secret = newSigningSecret();
    const endpoint: WebhookEndpoint = {
      tenant_id: principal.tenantId,
      endpoint_id: endpointId,
      url,
      description: input.description ?? null,
      secret: this.secrets.seal(principal.tenantId, endpointId, secret),
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled: true,
      disabled_reason: null,
      categories: normalizeCategories(input.categories),
      consecutive_failures: 0,
      failing_since: null,
      disabled_count: 0,
      created_at: now,
      updated_at: now,
    };
    const inserted = await this.prisma.$transaction((tx) =>
      this.endpoints.insertWithin(tx, endpoint, MAX_ENDPOINTS_PER_TENANT),
    );
    if (!inserted)
      throw new DomainError('conflict', `A tenant can have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`);
    return { ...endpointJson(endpoint), secret };
  }

  async list(principal: Principal) {
    const rows = await this.endpoints.list(this.prisma, principal.tenantId, MAX_ENDPOINTS_PER_TENANT);
    return { endpoints: rows.map(endpointJson) };
  }

  async get(principal: Principal, endpointId: string) {
    return endpointJson(await this.existing(principal.tenantId, endpointId));
  }

  /** Enabling resumes the deliveries parked while disabled and clears the failure streak. */
  async update(principal: Principal, endpointId: string, input: UpdateEndpointInput) {
    const url = input.url === undefined ? undefined : await this.checkUrl(input.url);
    const now = this.clock.now();
    const updated = await this.prisma.$transaction(async (tx) => {
      const current = await this.endpoints.lock(tx, principal.tenantId, endpointId);
      if (!current) throw notFound(endpointId);
      const changes: EndpointChanges = {
        ...(url !== undefined ? { url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.categories !== undefined ? { categories: normalizeCategories(input.categories) } : {}),
      };
      if (input.enabled === true && !current.enabled) {
        Object.assign(changes, { enabled: true, disabled_reason: null, consecutive_failures: 0, failing_since: null });
        await this.deliveries.resumeParked(tx, principal.tenantId, endpointId, now);
      } else if (input.enabled === false && current.enabled) {
        Object.assign(changes, { enabled: false, disabled_reason: `disabled by ${principal.accountId}` });
      }
      return this.endpoints.update(tx, principal.tenantId, endpointId, changes, now);
    });
    return endpointJson(updated);
  }

  /**
   * A new signing secret, returned in this response only. For `overlap_seconds` (default a day, 0
   * = none) deliveries carry two signatures, one with each secret (Standard Webhooks allows
   * several), so receivers can switch over; then the old one is dropped. A rotation during an
   * overlap keeps only the secret it replaces as the previous one.
   */
  async rotateSecret(principal: Principal, endpointId: string, input: RotateSecretInput) {
    const tenantId = principal.tenantId;
    const overlapSeconds = input.overlap_seconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    const now = this.clock.now();
    const secret = newSigningSecret();
    const updated = await this.prisma.$transaction(async (tx) => {
      const current = await this.endpoints.lock(tx, tenantId, endpointId);
      if (!current) throw notFound(endpointId);
      return this.endpoints.replaceSecret(
        tx,
        tenantId,
        endpointId,
        this.secrets.seal(tenantId, endpointId, secret),
        overlapSeconds > 0
          ? { secret: current.secret, expiresAt: new Date(now.getTime() + overlapSeconds * 1000) }
          : null,
        now,
      );
    });
    return { ...endpointJson(updated), secret };
  }

  async delete(principal: Principal, endpointId: string) {
    if (!(await this.endpoints.delete(this.prisma, principal.tenantId, endpointId))) throw notFound(endpointId);
    return { endpoint_id: endpointId, deleted: true };
  }

  /** Newest first, each with its attempts, oldest first. */
  async listDeliveries(principal: Principal, endpointId: string, params: DeliveryListParams) {
    const tenantId = principal.tenantId;
    await this.existing(tenantId, endpointId);
    const limit = parseLimit(params.limit, 20, 100);
    const after = params.cursor
      ? decodeCursor(
          params.cursor,
          (v): v is { c: string; d: string } =>
            typeof v.d === 'string' && typeof v.c === 'string' && parseRfc3339(v.c) !== undefined,
        )
      : undefined;
    const rows = await this.deliveries.listForEndpoint(
      this.prisma,
      tenantId,
      endpointId,
      params.status as DeliveryStatus | undefined,
      after ? { createdAt: new Date(after.c), deliveryId: after.d } : undefined,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const attempts = groupBy(
      await this.deliveries.attemptsOf(
        this.prisma,
        tenantId,
        page.map((d) => d.delivery_id),
      ),
    );
    const last = page[page.length - 1];
    return {
      deliveries: page.map((d) => deliveryJson(d, attempts.get(d.delivery_id) ?? [])),
      next_cursor: rows.length > limit ? encodeCursor({ c: last.created_at.toISOString(), d: last.delivery_id }) : null,
    };
  }

  /**
   * Pending again, due now, with a new retry window (a disabled endpoint's stays parked); 409
   * while an attempt is in flight, which would otherwise be followed by a second, concurrent send.
   */
  async redeliver(principal: Principal, endpointId: string, deliveryId: string) {
    const tenantId = principal.tenantId;
    await this.existing(tenantId, endpointId);
    const now = this.clock.now();
    const delivery = await this.deliveries.redeliver(this.prisma, tenantId, endpointId, deliveryId, now);
    if (!delivery) {
      if (await this.deliveries.isInFlight(this.prisma, tenantId, endpointId, deliveryId, now))
        throw new DomainError(
          'conflict',
          `Webhook delivery ${deliveryId} has an attempt in flight; redeliver it once the attempt is recorded`,
          { delivery_id: deliveryId },
        );
      throw new DomainError('not_found', `Webhook delivery not found: ${deliveryId}`);
    }
    const attempts = await this.deliveries.attemptsOf(this.prisma, tenantId, [deliveryId]);
    return deliveryJson(delivery, attempts);
  }

  private async existing(tenantId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.find(this.prisma, tenantId, endpointId);
    if (!endpoint) throw notFound(endpointId);
    return endpoint;
  }

  /** http(s) only; unless allowed, every address the host resolves to must be public. */
  private async checkUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new DomainError('invalid_argument', 'url must be an absolute http or https URL', { fields: ['url'] });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new DomainError('invalid_argument', 'url must use http or https', { fields: ['url'] });
    }
    // Credentials in the URL would be stored and listed in clear; signatures authenticate deliveries.
    if (url.username || url.password) {
      throw new DomainError('invalid_argument', 'url must not contain a user name or password', { fields: ['url'] });
    }
    if (url.port === '0') throw new DomainError('invalid_argument', 'url must not use port 0', { fields: ['url'] });
    if (!this.config.webhooks.allowPrivateAddresses) {
      const check = await resolvePublicAddresses(url.hostname, this.config.webhooks.timeoutMs);
      if (!check.ok)
        throw new DomainError('invalid_argument', `url is not allowed: ${check.reason}`, { fields: ['url'] });
    }
    return url.href;
  }
}

function notFound(endpointId: string): DomainError {
  return new DomainError('not_found', `Webhook endpoint not found: ${endpointId}`);
}

function groupBy(attempts: WebhookAttempt[]): Map<string, WebhookAttempt[]> {
  const byDelivery = new Map<string, WebhookAttempt[]>();
  for (const a of attempts) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
  return byDelivery;
}
