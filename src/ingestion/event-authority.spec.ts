import { anEvent } from '../../test/factories/events';
import { DomainError } from '../common/error-codes';
import { assertMayAppend, permissionToAppend } from './event-authority';
import type { EventInput } from './event-types';
import { validateEvent } from './event-validation';

const input = (type: string, overrides: Record<string, unknown> = {}): EventInput =>
  validateEvent(anEvent(type, overrides), { floats: [], unsafeIntegers: [] });

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, message: e.message, details: e.details };
  }
  return undefined;
};

describe(assertMayAppend.name, () => {
  it('asks workflow_review of a decision, workflow_override of an override, workflow_assign of a review request', () => {
    expect(permissionToAppend(input('ApprovalRecorded'))).toBe('workflow_review');
    const override = input('ApprovalRecorded', {
      payload: {
        approval_id: 'a',
        subject: { subject_type: 'override', subject_id: 't:exception:e' },
        approver: { actor_type: 'person', actor_id: 'p' },
        decision: 'approved',
      },
    });
    expect(permissionToAppend(override)).toBe('workflow_override');
    expect(permissionToAppend(input('WorkflowReviewRequested'))).toBe('workflow_assign');
    expect(permissionToAppend(input('ExceptionRequested'))).toBeNull();
  });

  it('refuses a decision without the permission, naming it and the batch index', () => {
    expect(refusal(() => assertMayAppend({ permissions: ['workflow_assign'] }, input('ApprovalRecorded'), 3))).toEqual({
      code: 'forbidden',
      message: 'Missing permission: workflow_review',
      details: { permission: 'workflow_review', index: 3 },
    });
    expect(refusal(() => assertMayAppend({ permissions: ['*'] }, input('ApprovalRecorded')))).toBeUndefined();
    expect(refusal(() => assertMayAppend({ permissions: [] }, input('PolicyEvaluated')))).toBeUndefined();
  });

  it.each(['decisiongraph-workflow', 'workflow-studio'])(
    'reserves %s even for an account with every permission',
    (id) => {
      const event = input('TraceStarted', { source: { producer_id: id, system: 'x' } });
      expect(refusal(() => assertMayAppend({ permissions: ['*'] }, event))).toEqual({
        code: 'forbidden',
        message: `producer_id ${id} is reserved`,
        details: { producer_id: id },
      });
    },
  );
});
