import { z } from 'zod';
import { PRIORITIES, WORKFLOW_STATUSES } from '../../workflow/workflow-status';
import { MAX_WAIT_SECONDS } from '../decision.dto';

/** The MCP tools' input and output shapes (SPEC §17), as the SDK takes them (zod), published as JSON Schema. */

const nonBlank = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim() !== '', 'must not be blank');

export const requestApprovalInput = {
  title: nonBlank(500).describe('What the agent wants to do, in a line a reviewer reads in the inbox'),
  reason: nonBlank(10_000).describe('Why it needs a person’s approval'),
  policy_id: nonBlank(200).optional().describe('The policy that requires the approval (default agent_approval)'),
  policy_version: nonBlank(200).optional().describe('The policy’s version (default 1)'),
  priority: z.enum(PRIORITIES).optional().describe('urgent, high, normal or low'),
  evidence: z
    .array(z.object({ locator: nonBlank(2_000).describe('Where the reviewer finds the evidence (URL, path, id)') }))
    .max(100)
    .optional(),
  required_approvals: z.number().int().min(1).max(10).optional().describe('Approvals needed to decide (default 1)'),
  trace_id: nonBlank(200)
    .optional()
    .describe('Append to this trace at its next trace_seq (a new trace is started when omitted)'),
};

export const requestApprovalOutput = {
  workflow_id: z.string(),
  trace_id: z.string(),
  status: z.enum(WORKFLOW_STATUSES),
  sla_due_at: z.string().describe('RFC 3339'),
  console_url: z.string().describe('Where a reviewer decides it'),
};

export const getDecisionInput = {
  workflow_id: nonBlank(1_000).describe('The workflow_id request_approval returned'),
  wait_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe('Wait up to this long for a decision or a change request (default 0: answer at once)'),
};

export const getDecisionOutput = {
  workflow_id: z.string(),
  status: z.enum(WORKFLOW_STATUSES),
  decided: z.boolean(),
  decision: z.string().nullable().describe('approved, rejected or override_approved once decided'),
  reason: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  changes_requested: z.boolean(),
  version: z.number().int(),
};

export const MAX_LIST_LIMIT = 100;

export const listMyRequestsInput = {
  status: z.enum(WORKFLOW_STATUSES).optional(),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).optional().describe('default 20'),
};

export const listMyRequestsOutput = {
  requests: z.array(
    z.object({
      workflow_id: z.string(),
      trace_id: z.string(),
      title: z.string(),
      status: z.enum(WORKFLOW_STATUSES),
      priority: z.string(),
      requested_at: z.string(),
      sla_due_at: z.string(),
      updated_at: z.string(),
      current_decision: z.string().nullable(),
      current_reason: z.string().nullable(),
      console_url: z.string(),
    }),
  ),
};
