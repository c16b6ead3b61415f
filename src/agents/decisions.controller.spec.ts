import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import type { Principal } from '../auth/principal';
import type { DecisionService } from './decision.service';
import { DecisionsController } from './decisions.controller';

/** What the controller hands the service as `gone`, for a response in a given state. */
function goneSignal(res: EventEmitter & { destroyed: boolean }): AbortSignal {
  let signal: AbortSignal | undefined;
  const service = {
    decision: (_p: Principal, _id: string, _wait: number, gone?: AbortSignal) => {
      signal = gone;
      return Promise.resolve({});
    },
  } as unknown as DecisionService;
  void new DecisionsController(service).getDecision(
    {} as Principal,
    'wf-1',
    { wait_seconds: '30' },
    res as unknown as Response,
  );
  return signal as AbortSignal;
}

describe('DecisionsController: the long poll ends when its client leaves', () => {
  it('aborts when the response closes during the wait', () => {
    const res = Object.assign(new EventEmitter(), { destroyed: false });
    const signal = goneSignal(res);
    expect(signal.aborted).toBe(false);
    res.emit('close');
    expect(signal.aborted).toBe(true);
  });

  it('is aborted from the start when the client left before the handler ran (its close already emitted)', () => {
    const res = Object.assign(new EventEmitter(), { destroyed: true });
    expect(goneSignal(res).aborted).toBe(true);
  });
});
