import { RequestMethod } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_RULE, AccessRule, PUBLIC_ROUTE } from '../../src/auth/access.decorator';
import { useTestApp } from '../setup/test-app';

/**
 * Every route with its access rule. A change to who may call what shows up here in review;
 * a route with neither @Public nor @Access would be refused at run time and fails this test.
 */
describe('route access rules', () => {
  const app = useTestApp();

  it('lists every route with its declared access', () => {
    const controllers = [...app.get(ModulesContainer).values()].flatMap((module) => [...module.controllers.values()]);
    const scanner = new MetadataScanner();
    const reflector = app.get(Reflector);
    const routes: string[] = [];
    for (const wrapper of controllers) {
      const instance = wrapper.instance as object;
      const prototype = Object.getPrototypeOf(instance) as object;
      const base = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype as object) ?? '');
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, () => unknown>)[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const targets = [handler, wrapper.metatype as () => unknown] as (() => unknown)[];
        const isPublic = reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets);
        const rule = reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets);
        const access = isPublic
          ? 'public'
          : rule
            ? `${rule.scope}${rule.permission ? `+${rule.permission}` : ''}`
            : 'UNDECLARED';
        routes.push(`${method} ${[base, path].filter((p) => p && p !== '/').join('/')} -> ${access}`);
      }
    }
    expect(routes.sort()).toEqual([
      'DELETE mcp -> read',
      'DELETE v1/admin/webhooks/:endpoint_id -> admin+webhook_manage',
      'GET /metrics -> public',
      'GET auth-config -> public',
      'GET console -> public',
      'GET console/*path -> public',
      'GET healthz -> public',
      'GET mcp -> read',
      'GET readyz -> public',
      'GET v1/admin/exports/workflows -> admin+workflow_export',
      'GET v1/admin/policies -> admin+policy_manage',
      'GET v1/admin/policies/:policy_id -> admin+policy_manage',
      'GET v1/admin/replays -> admin',
      'GET v1/admin/replays/:job_id -> admin',
      'GET v1/admin/review-templates -> admin+policy_manage',
      'GET v1/admin/review-templates/:template_id -> admin+policy_manage',
      'GET v1/admin/webhooks -> admin+webhook_manage',
      'GET v1/admin/webhooks/:endpoint_id -> admin+webhook_manage',
      'GET v1/admin/webhooks/:endpoint_id/deliveries -> admin+webhook_manage',
      'GET v1/admin/workflows/:workflow_id/export -> admin+workflow_export',
      'GET v1/events -> read',
      'GET v1/notifications -> read',
      'GET v1/precedents -> read',
      'GET v1/projections/health -> read',
      'GET v1/stream -> read',
      'GET v1/traces/:trace_id -> read',
      'GET v1/whoami -> read',
      'GET v1/workflow-studio/templates -> read',
      'GET v1/workflow-studio/traces/:trace_id -> read',
      'GET v1/workflows -> read',
      'GET v1/workflows/:workflow_id -> read',
      'GET v1/workflows/:workflow_id/actions -> read',
      'GET v1/workflows/:workflow_id/decision -> read',
      'GET v1/workflows/:workflow_id/notifications -> read',
      'PATCH v1/admin/webhooks/:endpoint_id -> admin+webhook_manage',
      'POST mcp -> read',
      'POST v1/admin/policies -> admin+policy_manage',
      'POST v1/admin/policies/:policy_id/retire -> admin+policy_manage',
      'POST v1/admin/replays -> admin',
      'POST v1/admin/replays/:job_id/cancel -> admin',
      'POST v1/admin/review-templates -> admin+policy_manage',
      'POST v1/admin/review-templates/:template_id/retire -> admin+policy_manage',
      'POST v1/admin/webhooks -> admin+webhook_manage',
      'POST v1/admin/webhooks/:endpoint_id/deliveries/:delivery_id/redeliver -> admin+webhook_manage',
      'POST v1/admin/webhooks/:endpoint_id/rotate-secret -> admin+webhook_manage',
      'POST v1/events -> write',
      'POST v1/events/batch -> write',
      'POST v1/workflow-studio/traces/:trace_id/reviews -> write+workflow_assign',
      'POST v1/workflows/:workflow_id/actions -> write',
      'PUT v1/admin/policies/:policy_id -> admin+policy_manage',
      'PUT v1/admin/review-templates/:template_id -> admin+policy_manage',
    ]);
  });
});
