-- Hand-written (Prisma does not express column collations): a replay's shadow rows are keyed in
-- byte order whatever the database's collation, so that a comparison walks the primary key in the
-- order a digest is defined in (SPEC §16, "in key order"), one keyset page after another.
ALTER TABLE "dg_projection_shadow" ALTER COLUMN "k" TYPE TEXT COLLATE "C";
