import { startEmbeddedDb } from '/work/main/engine/persistence/embedded-db';
import { MongoClient } from 'mongodb';
(async () => {
  const t0 = Date.now();
  const db = await startEmbeddedDb({ dataDir: '/tmp/edb1', log: console.log });
  console.log('started', Date.now() - t0, db.uri.replace(/:[^:@]*@/, ':***@'));
  const c = await MongoClient.connect(db.uriFor('x1'));
  await c.db('x1').collection('a').insertOne({ a: 1 });
  console.log(await c.db('x1').collection('a').findOne({}));
  console.log(JSON.stringify(await c.db('x1').admin().command({ buildInfo: 1 })).slice(0, 600));
  await c.close();
  const bad = await MongoClient.connect(db.uriFor('x1').replace(/:[^:@/]*@/, ':wrong@'), { serverSelectionTimeoutMS: 3000 }).then(() => 'connected?!', (e) => 'refused: ' + e.message);
  console.log(bad);
  const anon = await MongoClient.connect(`mongodb://127.0.0.1:${db.port}/x1`);
  console.log(await anon.db('x1').collection('a').findOne({}).then(() => 'anon read!', (e) => 'anon refused: ' + e.message));
  await anon.close();
  await db.stop();
  console.log('stopped', Date.now() - t0);
})();
