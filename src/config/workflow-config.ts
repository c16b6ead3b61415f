import { Env, readBool, readInt, readString } from './env-parsers';

/** Settings of the workflow layer (SPEC §6.1, §7). */
export type WorkflowConfig = {
  defaultAssignedRole: string;
  defaultAssignedAccountId: string | null;
  exceptionReviewSlaHours: number;
  incidentReviewSlaHours: number;
  escalationAssignedRole: string;
  escalationAssignedAccountId: string | null;
  deadlineRiskWarningMinutes: number;
  slaSweepIntervalSeconds: number;
  /** SPEC §11.3: the requester of an item cannot decide it. */
  separationOfDuties: boolean;
};

export function loadWorkflowConfig(env: Env): WorkflowConfig {
  return {
    defaultAssignedRole: readString(env, 'DG_DEFAULT_ASSIGNED_ROLE', 'admin'),
    defaultAssignedAccountId: readString(env, 'DG_DEFAULT_ASSIGNED_ACCOUNT_ID') ?? null,
    exceptionReviewSlaHours: readInt(env, 'DG_EXCEPTION_REVIEW_SLA_HOURS', 4, 1, 876_000),
    incidentReviewSlaHours: readInt(env, 'DG_INCIDENT_REVIEW_SLA_HOURS', 2, 1, 876_000),
    escalationAssignedRole: readString(env, 'DG_ESCALATION_ASSIGNED_ROLE', 'admin'),
    escalationAssignedAccountId: readString(env, 'DG_ESCALATION_ASSIGNED_ACCOUNT_ID') ?? null,
    deadlineRiskWarningMinutes: readInt(env, 'DG_DEADLINE_RISK_WARNING_MINUTES', 30, 0, 525_600),
    slaSweepIntervalSeconds: readInt(env, 'DG_SLA_SWEEP_INTERVAL_SECONDS', 30, 1, 86_400),
    separationOfDuties: readBool(env, 'DG_SEPARATION_OF_DUTIES', true),
  };
}
