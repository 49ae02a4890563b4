/**
 * `npm run db:copy -- <from URI> <to URI>`: copies every collection of one database (documents
 * and index definitions) into another over the MongoDB wire protocol — to move data from the
 * retired FerretDB 1.24 SQLite default, or between the embedded database and a MongoDB. Both
 * URIs name their database. The target collections must be empty (nothing is overwritten).
 */
import { MongoClient } from 'mongodb';

function fail(msg: string): never {
  process.stderr.write(`[db:copy] ${msg}\n`);
  process.exit(1);
}

export async function copyDatabase(fromUri: string, toUri: string, log: (m: string) => void = () => {}): Promise<Record<string, number>> {
  const from = await MongoClient.connect(fromUri);
  const to = await MongoClient.connect(toUri);
  const counts: Record<string, number> = {};
  try {
    const src = from.db();
    const dst = to.db();
    for (const info of await src.listCollections({}, { nameOnly: true }).toArray()) {
      const name = info.name;
      if (name.startsWith('system.')) continue;
      if ((await dst.collection(name).estimatedDocumentCount()) > 0) throw new Error(`target collection ${name} is not empty: copy into a new database`);
      const indexes = (await src.collection(name).listIndexes().toArray()).filter((i) => i.name !== '_id_');
      for (const { key, name: indexName, v: _v, ns: _ns, ...options } of indexes) await dst.collection(name).createIndex(key, { name: indexName, ...options });
      let n = 0;
      let batch: any[] = [];
      for await (const doc of src.collection(name).find({})) {
        batch.push(doc);
        if (batch.length === 1000) {
          await dst.collection(name).insertMany(batch, { ordered: false });
          n += batch.length;
          batch = [];
        }
      }
      if (batch.length) await dst.collection(name).insertMany(batch, { ordered: false });
      n += batch.length;
      counts[name] = n;
      log(`${name}: ${n} documents, ${indexes.length} indexes`);
    }
    return counts;
  } finally {
    await from.close();
    await to.close();
  }
}

if (require.main === module) {
  const [fromUri, toUri] = process.argv.slice(2);
  if (!fromUri || !toUri) fail('usage: npm run db:copy -- <from mongodb:// URI with database> <to mongodb:// URI with database>');
  copyDatabase(fromUri, toUri, (m) => process.stdout.write(`[db:copy] ${m}\n`)).catch((err) => fail(err.message));
}
