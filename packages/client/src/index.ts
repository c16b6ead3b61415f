export {
  createDecisionGraphClient,
  DecisionGraphClient,
  type ApprovalRequest,
  type ApprovalRequested,
  type Decision,
  type DecisionGraphClientOptions,
  type TenantHeader,
  type Workflow,
} from './client';
export { DecisionGraphError } from './errors';
export { streamEvents, type EventStreamOptions, type StreamEvent } from './event-stream';
export type { components, paths } from './openapi-schema';
export { MAX_WAIT_SECONDS, waitForDecision, type WaitOptions } from './wait-for-decision';
export { verifyWebhook, type WebhookNotification } from './webhooks';
