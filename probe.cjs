const mb = (l) => { global.gc && global.gc(); const m = process.memoryUsage(); console.log(l, `rss=${(m.rss/2**20)|0} ext=${(m.external/2**20)|0} ab=${(m.arrayBuffers/2**20)|0} heap=${(m.heapUsed/2**20)|0}`); };
(async () => {
  mb('start');
  const { openDatabase } = require('./dist/database/database-adapter');
  const { deployMigrations } = require('./dist/database/migrations');
  const db = await openDatabase('pglite:/tmp/rss-data', 1);
  mb('db open');
  await deployMigrations(db, 'prisma/migrations');
  mb('migrations checked');
  const { PrismaService } = require('./dist/database/prisma.service');
  const p = new PrismaService(db);
  await p.$queryRaw`select 1`;
  mb('prisma query');
  await p.workflowItem.findMany({ take: 1 });
  mb('prisma model query');
})();
