import { Controller, Delete, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import { Access, CurrentPrincipal } from '../../auth/access.decorator';
import { Principal } from '../../auth/principal';
import { RawResponse } from '../../common/envelope.interceptor';
import { requestIdOf } from '../../common/request-id';
import { McpServerFactory } from './mcp-server.factory';

/**
 * The Model Context Protocol endpoint (SPEC §17): Streamable HTTP in stateless mode, one server and
 * transport per POST, behind the same guards as the REST API (x-tenant-id, bearer token, reader or
 * above; request_approval checks for writer or admin itself). Documented in the README, not in
 * the OpenAPI document: JSON-RPC is not a REST resource.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController {
  constructor(private readonly servers: McpServerFactory) {}

  @Post()
  @Access('read')
  @RawResponse()
  async handleMcp(@CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const server = this.servers.create(principal, requestIdOf(req));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  /** No server-initiated stream and no sessions in stateless mode (the transport's own answer). */
  @Get()
  @Access('read')
  @RawResponse()
  @HttpCode(HttpStatus.METHOD_NOT_ALLOWED)
  getMcp(@Res({ passthrough: true }) res: Response) {
    res.setHeader('allow', 'POST');
    return methodNotAllowed();
  }

  @Delete()
  @Access('read')
  @RawResponse()
  @HttpCode(HttpStatus.METHOD_NOT_ALLOWED)
  deleteMcp(@Res({ passthrough: true }) res: Response) {
    res.setHeader('allow', 'POST');
    return methodNotAllowed();
  }
}

function methodNotAllowed() {
  return {
    jsonrpc: '2.0',
    error: { code: -32000, message: 'Method not allowed: this MCP server is stateless' },
    id: null,
  };
}
