/** After each test file: drop the databases it made with `uniqueDbName` (one shared server per run). */
import { MongoClient } from 'mongodb';
import { createdDatabases, dbUri } from '../helpers/server';

afterAll(async () => {
  const names = createdDatabases.splice(0);
  if (names.length === 0) return;
  const client = await MongoClient.connect(dbUri(names[0]), { serverSelectionTimeoutMS: 10_000 });
  try {
    for (const name of names) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
});
