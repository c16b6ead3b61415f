import { ACTION_PERMISSIONS, TRANSITIONS } from '../../../src/workflow/workflow-transitions';
import {
  ACCEPTED_BY_STATUS,
  ACTION_ORDER,
  ACTION_PERMISSION,
  allowedActions,
  ActionableItem,
  Principal,
} from './allowed-actions';

const admin: Principal = { account_id: 'dev-admin', roles: ['admin'], permissions: ['*'] };
const writer: Principal = {
  account_id: 'dev-writer',
  roles: ['writer'],
  permissions: ['workflow_assign', 'workflow_review'],
};
const reader: Principal = { account_id: 'dev-reader', roles: ['reader'], permissions: [] };

function anItem(overrides: Partial<ActionableItem> = {}): ActionableItem {
  return {
    status: 'requested',
    workflow_kind: 'exception_review',
    claimed_by_account_id: null,
    requested_by: 'policy-agent',
    approvals: [],
    ...overrides,
  };
}

describe('allowedActions', () => {
  it('mirrors the service transition table: an action is offered exactly where it is not refused', () => {
    for (const [status, row] of Object.entries(TRANSITIONS)) {
      const accepted = Object.entries(row)
        .filter(([, target]) => typeof target !== 'object')
        .map(([action]) => action);
      expect([...ACCEPTED_BY_STATUS[status]].sort()).toEqual(accepted.sort());
    }
    expect(Object.keys(ACCEPTED_BY_STATUS).sort()).toEqual(Object.keys(TRANSITIONS).sort());
  });

  it('asks for the same permission as the service', () => {
    expect(ACTION_PERMISSION).toEqual(ACTION_PERMISSIONS);
    expect([...ACTION_ORDER].sort()).toEqual(Object.keys(ACTION_PERMISSIONS).sort());
  });

  it('offers an admin everything but release on an open, unclaimed exception', () => {
    expect(allowedActions(anItem(), admin)).toEqual([
      'claim',
      'approve',
      'reject',
      'request_change',
      'comment',
      'reassign',
      'escalate',
      'override',
    ]);
  });

  it('offers a writer neither escalate nor override (no permission)', () => {
    expect(allowedActions(anItem(), writer)).toEqual([
      'claim',
      'approve',
      'reject',
      'request_change',
      'comment',
      'reassign',
    ]);
  });

  it('offers a reader nothing', () => {
    expect(allowedActions(anItem(), { ...reader, permissions: ['*'] })).toEqual([]);
  });

  it('offers only comments on a closed item, and no second escalation', () => {
    expect(allowedActions(anItem({ status: 'approved' }), admin)).toEqual(['comment']);
    expect(allowedActions(anItem({ status: 'escalated' }), admin)).not.toContain('escalate');
  });

  it('offers override on exception reviews only', () => {
    expect(allowedActions(anItem({ workflow_kind: 'incident_review' }), admin)).not.toContain('override');
  });

  it('offers the requester no decision (separation of duties), only the rest', () => {
    expect(allowedActions(anItem({ requested_by: 'dev-admin' }), admin)).toEqual([
      'claim',
      'request_change',
      'comment',
      'reassign',
      'escalate',
    ]);
    expect(allowedActions(anItem({ requested_by: null }), admin)).toContain('approve');
  });

  it('offers no second approve to a principal that voted already, but still reject', () => {
    const voted = anItem({ approvals: [{ account_id: 'dev-admin' }] });
    expect(allowedActions(voted, admin)).not.toContain('approve');
    expect(allowedActions(voted, admin)).toContain('reject');
    expect(allowedActions(voted, writer)).toContain('approve');
  });

  it('offers release to the claimant and to admins, claim to nobody while claimed', () => {
    const claimed = anItem({ status: 'in_review', claimed_by_account_id: 'dev-writer' });
    expect(allowedActions(claimed, writer)).toContain('release');
    expect(allowedActions(claimed, admin)).toContain('release');
    expect(allowedActions(claimed, { ...writer, account_id: 'other' })).not.toContain('release');
    expect(allowedActions(claimed, admin)).not.toContain('claim');
  });
});
