/**
 * Case numbers (办件编号): `<org code>-<YYYYMMDD>-<seq>` (e.g. `DB-20261128-0007`), readable,
 * unique, and sortable by org unit, day (China Standard Time) and sequence.
 *
 * FerretDB's conditional updates are not atomic (DESIGN.md §2), so there is no `$inc` counter:
 * a number is claimed by inserting its document. Concurrent intakes in several processes that
 * read the same head simply collide on the insert and move to the next number. A number whose
 * intake then fails is marked `void` with the reason — never handed out again — and claims left
 * `claimed` by a process that died are voided by `voidStaleClaims`.
 */
import { cstDay as cstIsoDay } from '../../common/cst';
import { ConflictError } from '../domain/errors';
import { isDuplicateKey, type Models } from '../persistence/models';

/** The calendar day in China Standard Time (UTC+8, no DST) as `YYYYMMDD`. */
export function cstDay(at: Date): string {
  return cstIsoDay(at).replace(/-/g, '');
}

export function formatCaseNo(orgCode: string, day: string, seq: number): string {
  return `${orgCode}-${day}-${String(seq).padStart(4, '0')}`;
}

export const CASE_NO_PATTERN = /^[A-Z]{2}-\d{8}-\d{4,6}$/;

export class CaseNumbers {
  constructor(private readonly models: Models) {}

  /** Claims the next free number of `orgUnit` (whose case-number code is `orgCode`) for `at`. */
  async claim(orgUnit: string, orgCode: string, at: Date, claimedBy: string): Promise<string> {
    const { CaseNumber } = this.models;
    const day = cstDay(at);
    const head = await CaseNumber.findOne({ orgUnit, day }, { seq: 1 }).sort({ seq: -1 }).lean();
    let seq = (head?.seq ?? 0) + 1;
    for (let attempt = 0; attempt < 50; attempt++, seq++) {
      const _id = formatCaseNo(orgCode, day, seq);
      try {
        await CaseNumber.create({ _id, orgUnit, day, seq, status: 'claimed', claimedAt: at, claimedBy });
        return _id;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new ConflictError('CASE_NUMBER_CONTENDED', 'could not claim a case number; try again');
  }

  async markUsed(caseNo: string): Promise<void> {
    await this.models.CaseNumber.updateOne({ _id: caseNo, status: 'claimed' }, { $set: { status: 'used' } });
  }

  async markVoid(caseNo: string, reason: string): Promise<void> {
    await this.models.CaseNumber.updateOne({ _id: caseNo, status: 'claimed' }, { $set: { status: 'void', voidReason: reason.slice(0, 500) } });
  }

  /** Voids numbers claimed more than `olderThanMs` ago by an intake that never finished. */
  async voidStaleClaims(now: Date, olderThanMs = 10 * 60_000): Promise<number> {
    const { CaseNumber, ServiceCase } = this.models;
    const stale = await CaseNumber.find({ status: 'claimed', claimedAt: { $lt: new Date(now.getTime() - olderThanMs) } }, { _id: 1 }).limit(200).lean();
    let n = 0;
    for (const c of stale) {
      const kase = await ServiceCase.findById(c._id, { status: 1 }).lean();
      if (kase && kase.status !== 'void') await this.markUsed(c._id as string);
      else {
        await this.markVoid(c._id as string, 'intake did not finish (process stopped)');
        n++;
      }
    }
    return n;
  }
}
