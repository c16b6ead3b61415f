import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useApi } from '../auth/session';
import { unwrap } from './client';
import type { paths } from './openapi-schema';

/** Inbox polling: changes made elsewhere show within 5 s (SPEC §13). */
export const LIVE_INTERVAL_MS = 3000;

type InboxQuery = NonNullable<paths['/api/v1/workflows']['get']['parameters']['query']>;
export type InboxFilters = Pick<
  InboxQuery,
  'status' | 'priority' | 'workflow_kind' | 'assigned_account_id' | 'awaiting_my_approval'
>;

export function useWhoami() {
  const { api, session } = useApi();
  return useQuery({
    queryKey: ['whoami', session.tenant],
    staleTime: 60_000,
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/whoami', { params: { header: { 'x-tenant-id': session.tenant } } }))).data,
  });
}

export function useInbox(filters: InboxFilters) {
  const { api, session } = useApi();
  return useInfiniteQuery({
    queryKey: ['inbox', session.tenant, filters],
    initialPageParam: undefined as string | undefined,
    refetchInterval: LIVE_INTERVAL_MS,
    queryFn: async ({ pageParam }) => {
      // The API's page size (12): Load more fetches the next page with its cursor.
      const query = { ...withoutEmpty(filters), ...(pageParam ? { cursor: pageParam } : {}) };
      return (
        await unwrap(api.GET('/api/v1/workflows', { params: { header: { 'x-tenant-id': session.tenant }, query } }))
      ).data;
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** The item as the reviewer opened it, with its ETag; refreshed on demand, not behind their back. */
export function useWorkflow(workflowId: string) {
  const { api, session } = useApi();
  return useQuery({
    queryKey: ['workflow', session.tenant, workflowId],
    refetchOnWindowFocus: false,
    queryFn: async () => {
      const { data, response } = await unwrap(
        api.GET('/api/v1/workflows/{workflow_id}', {
          params: { header: { 'x-tenant-id': session.tenant }, path: { workflow_id: workflowId } },
        }),
      );
      return { detail: data, etag: response.headers.get('etag') ?? `"${data.workflow.version}"` };
    },
  });
}

/** The item's current version, polled, so that the page can say when it changed elsewhere. */
export function useWorkflowVersion(workflowId: string) {
  const { api, session } = useApi();
  return useQuery({
    queryKey: ['workflow-version', session.tenant, workflowId],
    refetchInterval: LIVE_INTERVAL_MS,
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/workflows/{workflow_id}', {
            params: { header: { 'x-tenant-id': session.tenant }, path: { workflow_id: workflowId } },
          }),
        )
      ).data.workflow.version,
  });
}

export function useTrace(traceId: string | undefined) {
  const { api, session } = useApi();
  return useQuery({
    queryKey: ['trace', session.tenant, traceId],
    enabled: traceId !== undefined,
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/traces/{trace_id}', {
            params: { header: { 'x-tenant-id': session.tenant }, path: { trace_id: traceId ?? '' } },
          }),
        )
      ).data,
  });
}

export function useDryRun(traceId: string | undefined, templateId?: string) {
  const { api, session } = useApi();
  return useQuery({
    queryKey: ['dry-run', session.tenant, traceId, templateId ?? null],
    enabled: traceId !== undefined && traceId !== '',
    retry: false,
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/workflow-studio/traces/{trace_id}', {
            params: {
              header: { 'x-tenant-id': session.tenant },
              path: { trace_id: traceId ?? '' },
              query: templateId ? { template_id: templateId } : {},
            },
          }),
        )
      ).data,
  });
}

function withoutEmpty(filters: InboxFilters): InboxFilters {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== '')) as InboxFilters;
}
