/** The built-in review templates of SPEC §6.5, in listing order. */
export type ReviewTemplate = {
  template_id: string;
  title: string;
  description: string;
  workflow_kind: string;
  default_priority: string;
  default_sla_hours: number;
  reviewer_role: string;
};

export const REVIEW_TEMPLATES: readonly ReviewTemplate[] = [
  {
    template_id: 'incident_triage',
    title: 'Incident Triage Review',
    description: 'Review a trace whose outcome was unfavourable: what happened, why, and what to change.',
    workflow_kind: 'incident_review',
    default_priority: 'high',
    default_sla_hours: 2,
    reviewer_role: 'admin',
  },
  {
    template_id: 'exception_follow_up',
    title: 'Exception Follow-Up',
    description: 'Follow up on a policy exception requested in the trace and confirm it was handled.',
    workflow_kind: 'incident_review',
    default_priority: 'urgent',
    default_sla_hours: 1,
    reviewer_role: 'admin',
  },
  {
    template_id: 'precedent_gap_review',
    title: 'Precedent Gap Review',
    description: 'Compare the trace with earlier decisions and record whether it sets a new precedent.',
    workflow_kind: 'incident_review',
    default_priority: 'normal',
    default_sla_hours: 6,
    reviewer_role: 'writer',
  },
];

export function findTemplate(templateId: string | undefined): ReviewTemplate | undefined {
  return REVIEW_TEMPLATES.find((t) => t.template_id === templateId);
}
