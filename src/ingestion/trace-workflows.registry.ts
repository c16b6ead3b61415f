import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';

export type TraceWorkflowsReader = (db: Db, tenantId: string, traceId: string) => Promise<object[]>;

/**
 * The trace read includes the trace's workflow items (SPEC §5.7); the workflow layer registers
 * how to read them, so ingestion does not import it.
 */
@Injectable()
export class TraceWorkflowsRegistry {
  private reader: TraceWorkflowsReader = async () => [];

  register(reader: TraceWorkflowsReader): void {
    this.reader = reader;
  }

  read(db: Db, tenantId: string, traceId: string): Promise<object[]> {
    return this.reader(db, tenantId, traceId);
  }
}
