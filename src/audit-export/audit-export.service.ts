import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { canonicalJson } from '../common/canonical-json';
import { DomainError } from '../common/error-codes';
import { PrismaService } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { WorkflowQueryService } from '../workflow/workflow-query.service';
import type { WorkflowStatus } from '../workflow/workflow-status';
import type { BulkExportQueryDto } from './audit-export.dto';
import { AuditExportRepository, ExportSelection } from './audit-export.repository';
import { EXPORT_SIGNATURE_ALG } from './export-signature';
import { bytesDigest } from './export-verification';
import { ExportSignerService } from './export-signer.service';
import { ExportHead, streamWorkflowExport } from './streamed-export';
import { buildWorkflowExport, WorkflowExport } from './workflow-export';

/** Items read per snapshot of a bulk export: memory is bounded by one page, whatever the total. */
const PAGE_SIZE = 100;
/** Trace events held at once while an item's line is written, however long its trace. */
const EVENT_CHUNK = 500;
const SNAPSHOT = { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead };

/** One page of items (without their traces' events), and where the next page starts. */
type ExportPage = { heads: (ExportHead & { lastTraceSeq: number })[]; lastWorkflowId?: string };

/** Audit exports (SPEC §9): one item as JSON, or many as a signed NDJSON stream. */
@Injectable()
export class AuditExportService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repository: AuditExportRepository,
    private readonly items: WorkflowQueryService,
    private readonly signer: ExportSignerService,
    private readonly clock: Clock,
  ) {}

  async exportWorkflow(principal: Principal, workflowId: string): Promise<WorkflowExport> {
    const tenantId = principal.tenantId;
    // One snapshot: the item, its actions and notifications and its trace agree with each other.
    const parts = await this.prisma.$transaction(async (tx) => {
      const item = await this.items.find(tx, tenantId, workflowId);
      if (!item) throw new DomainError('not_found', `Workflow not found: ${workflowId}`);
      return (await this.repository.partsOf(tx, tenantId, [item]))[0];
    }, SNAPSHOT);
    return buildWorkflowExport(parts, this.clock.now(), this.signer);
  }

  /**
   * The NDJSON lines of a bulk export, in pieces: one canonical-JSON export per item, then the
   * manifest signed over the exact bytes before it. Memory holds one page of items and one chunk
   * of trace events (streamWorkflowExport), never a whole trace. The first page is read before
   * this returns, so a bad request or an unreachable database is still answered with an error
   * status.
   */
  async exportWorkflows(principal: Principal, query: BulkExportQueryDto): Promise<AsyncGenerator<string>> {
    const selection = parseSelection(query);
    const first = await this.page(principal.tenantId, selection, undefined);
    return this.lines(principal.tenantId, selection, first);
  }

  private async *lines(tenantId: string, selection: ExportSelection, first: ExportPage): AsyncGenerator<string> {
    const digest = bytesDigest();
    let count = 0;
    for (let page = first; page.heads.length; page = await this.page(tenantId, selection, page.lastWorkflowId)) {
      const now = this.clock.now();
      for (const { lastTraceSeq, ...head } of page.heads) {
        const readEvents = (afterTraceSeq: number) =>
          this.repository.traceEventsAfter(
            this.prisma,
            tenantId,
            head.item.trace_id,
            { afterTraceSeq, throughTraceSeq: lastTraceSeq },
            EVENT_CHUNK,
          );
        for await (const piece of streamWorkflowExport(head, now, this.signer, readEvents)) {
          digest.update(Buffer.from(piece, 'utf8'));
          yield piece;
        }
        count += 1;
      }
      if (page.heads.length < PAGE_SIZE) break;
    }
    const manifestDigest = digest.tagged();
    const manifest = {
      count,
      digest: manifestDigest,
      signature: this.signer.sign(manifestDigest),
      key_id: this.signer.keyId,
      alg: EXPORT_SIGNATURE_ALG,
    };
    yield `${canonicalJson({ manifest })}\n`;
  }

  private async page(tenantId: string, selection: ExportSelection, after: string | undefined): Promise<ExportPage> {
    const heads = await this.prisma.$transaction(async (tx) => {
      const items = await this.repository.pageItems(tx, tenantId, selection, after, PAGE_SIZE);
      return this.repository.headsOf(tx, tenantId, items);
    }, SNAPSHOT);
    return { heads, lastWorkflowId: heads.at(-1)?.item.workflow_id };
  }
}

function parseSelection(query: BulkExportQueryDto): ExportSelection {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from && to && from > to)
    throw new DomainError('invalid_argument', 'from must not be after to', { fields: ['from', 'to'] });
  return { from, to, status: query.status as WorkflowStatus | undefined };
}
