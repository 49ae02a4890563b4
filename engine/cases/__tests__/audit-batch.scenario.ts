/**
 * Child process of audit-batch.test.ts: appends one batch to a case's audit chain, on the real
 * database, under `PLATFORM_FAULT_INJECTION=1 PLATFORM_KILL_AT=<point>` — the process SIGKILLs
 * itself at that point of the batch (between its claims and its events, or between its events and
 * their follow-ups). Run as `node --import tsx audit-batch.scenario.ts <uri> <caseNo>`; prints
 * `appended` if it was not killed.
 */
import mongoose from 'mongoose';
import { AuditLog } from '../audit';
import { createModels } from '../../persistence/models';
import { killBatch } from './audit-batch.fixture';

async function main(uri: string, caseNo: string) {
  const conn = await mongoose.createConnection(uri, { autoIndex: false }).asPromise();
  try {
    await new AuditLog(createModels(conn)).appendMany(caseNo, killBatch(caseNo));
    console.log('appended');
  } finally {
    await conn.close();
  }
}

main(process.argv[2], process.argv[3]).catch((err) => {
  console.error(err);
  process.exit(1);
});
