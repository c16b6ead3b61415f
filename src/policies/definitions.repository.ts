import { Injectable } from '@nestjs/common';
import { queryRows, type SqlDb } from '../database/driver-tx';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';

/** What dg_definition_versions keeps: tenant workflow policies and review templates (SPEC §14). */
export type DefinitionKind = 'policy' | 'review_template';

export type DefinitionVersion<D> = {
  tenant_id: string;
  kind: DefinitionKind;
  definition_id: string;
  version: number;
  definition: D;
  created_at: Date;
  created_by: string | null;
  retired_at: Date | null;
};

/** Versions are immutable once written; the highest version of an id is the current one. */
@Injectable()
export class DefinitionsRepository {
  async current<D>(
    db: Db,
    tenantId: string,
    kind: DefinitionKind,
    id: string,
  ): Promise<DefinitionVersion<D> | undefined> {
    const row = await db.tenantDefinitionVersion.findFirst({
      where: { tenant_id: tenantId, kind, definition_id: id },
      orderBy: { version: 'desc' },
    });
    return (row ?? undefined) as DefinitionVersion<D> | undefined;
  }

  async version<D>(
    db: Db,
    tenantId: string,
    kind: DefinitionKind,
    id: string,
    version: number,
  ): Promise<DefinitionVersion<D> | undefined> {
    const row = await db.tenantDefinitionVersion.findUnique({
      where: { tenant_id_kind_definition_id_version: { tenant_id: tenantId, kind, definition_id: id, version } },
    });
    return (row ?? undefined) as DefinitionVersion<D> | undefined;
  }

  /** The current version of every id of a kind, by id. */
  async allCurrent<D>(db: SqlDb, tenantId: string, kind: DefinitionKind): Promise<DefinitionVersion<D>[]> {
    return queryRows<DefinitionVersion<D>>(
      db,
      'dg_definitions_current',
      Prisma.sql`
      SELECT DISTINCT ON (definition_id) * FROM dg_definition_versions
      WHERE tenant_id = ${tenantId} AND kind = ${kind}
      ORDER BY definition_id, version DESC`,
    );
  }

  /** Writes a new version; false when that version exists already (a concurrent writer won). */
  async insert<D>(db: Db, row: DefinitionVersion<D>): Promise<boolean> {
    const inserted = await db.$executeRaw`
      INSERT INTO dg_definition_versions
        (tenant_id, kind, definition_id, version, definition, created_at, created_by, retired_at)
      VALUES (${row.tenant_id}, ${row.kind}, ${row.definition_id}, ${row.version},
        ${JSON.stringify(row.definition)}::jsonb, ${row.created_at}, ${row.created_by}, ${row.retired_at})
      ON CONFLICT DO NOTHING`;
    return inserted === 1;
  }

  async retire(db: Db, tenantId: string, kind: DefinitionKind, id: string, version: number, at: Date): Promise<void> {
    await db.$executeRaw(Prisma.sql`
      UPDATE dg_definition_versions SET retired_at = ${at}
      WHERE tenant_id = ${tenantId} AND kind = ${kind} AND definition_id = ${id} AND version = ${version}
        AND retired_at IS NULL`);
  }
}
