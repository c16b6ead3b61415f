import { Injectable, Logger } from '@nestjs/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Principal } from '../../auth/principal';
import { translateError } from '../../common/error-translation';
import { ApprovalRequestService } from '../approval-request.service';
import { DecisionService } from '../decision.service';
import {
  getDecisionInput,
  getDecisionOutput,
  listMyRequestsInput,
  listMyRequestsOutput,
  requestApprovalInput,
  requestApprovalOutput,
} from './mcp-tools';

const SERVER_INFO = { name: 'decisiongraph', version: '0.1.0' };
const INSTRUCTIONS =
  'Route a risky step through a person: request_approval, then get_decision with wait_seconds until decided ' +
  '(or changes_requested), and act only on an approved decision. No tool decides, assigns or overrides.';

/**
 * The MCP server of one request (stateless Streamable HTTP), its tools bound to the caller. The
 * tools call the same services as the REST routes; an error becomes a tool result with
 * `isError: true` whose text is the API's error body.
 */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('Mcp');

  constructor(
    private readonly approvals: ApprovalRequestService,
    private readonly decisions: DecisionService,
  ) {}

  create(principal: Principal, requestId: string): McpServer {
    const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS });
    const run = (tool: string, work: () => Promise<Record<string, unknown>>) => this.result(tool, requestId, work);
    server.registerTool(
      'request_approval',
      {
        title: 'Ask a person to approve a step',
        description:
          'Opens an exception review that people decide in the console (needs the writer or admin role). ' +
          'Returns the workflow_id to pass to get_decision.',
        inputSchema: requestApprovalInput,
        outputSchema: requestApprovalOutput,
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      },
      (input) => run('request_approval', () => this.approvals.request(principal, input)),
    );
    server.registerTool(
      'get_decision',
      {
        title: 'Get (or wait for) the decision',
        description:
          'The decision on a request: decided, decision, reason, decided_by; changes_requested when a reviewer ' +
          'asks for changes. With wait_seconds (up to 60) it waits until one of them happens.',
        inputSchema: getDecisionInput,
        outputSchema: getDecisionOutput,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      (input, extra) =>
        run('get_decision', () =>
          this.decisions.decision(principal, input.workflow_id, input.wait_seconds ?? 0, extra.signal),
        ),
    );
    server.registerTool(
      'list_my_requests',
      {
        title: 'List my approval requests',
        description: 'The requests this account made (items whose requested_by is the caller), newest first.',
        inputSchema: listMyRequestsInput,
        outputSchema: listMyRequestsOutput,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      (input) => run('list_my_requests', () => this.approvals.listMine(principal, input)),
    );
    return server;
  }

  private async result(
    tool: string,
    requestId: string,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<CallToolResult> {
    try {
      const structured = await work();
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    } catch (e) {
      const known = translateError(e);
      if (!known) this.logger.error({ request_id: requestId, tool, err: e }, `MCP tool ${tool} failed`);
      const error = known
        ? { code: known.code, message: known.message, details: known.details }
        : { code: 'internal_error', message: 'Internal error', details: {} };
      return { content: [{ type: 'text', text: JSON.stringify({ error, request_id: requestId }) }], isError: true };
    }
  }
}
