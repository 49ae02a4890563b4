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

  /**
   * The last number this process claimed per org unit and day (a bounded cache): the next claim
   * tries the one after it without reading the day's head. A number another process took meanwhile
   * costs a duplicate key, and then the head is read as without the cache — the insert is the claim.
   */
  private readonly last = new Map<string, number>();

  /** Claims the next free number of `orgUnit` (whose case-number code is `orgCode`) for `at`. */
  async claim(orgUnit: string, orgCode: string, at: Date, claimedBy: string): Promise<string> {
    const { CaseNumber } = this.models;
    const day = cstDay(at);
    const key = `${orgUnit}:${day}`;
    const known = this.last.get(key);
    let seq = known !== undefined ? known + 1 : ((await CaseNumber.findOne({ orgUnit, day }, { seq: 1 }).sort({ seq: -1 }).lean())?.seq ?? 0) + 1;
    let readHead = known === undefined;
    for (let attempt = 0; attempt < 50; attempt++, seq++) {
      const _id = formatCaseNo(orgCode, day, seq);
      try {
        await CaseNumber.create({ _id, orgUnit, day, seq, status: 'claimed', claimedAt: at, claimedBy });
        this.last.delete(key);
        this.last.set(key, seq);
        if (this.last.size > 500) this.last.delete(this.last.keys().next().value!);
        return _id;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (!readHead) {
          // taken by another process: go on after the day's head, as without the cache
          readHead = true;
          const head = await CaseNumber.findOne({ orgUnit, day }, { seq: 1 }).sort({ seq: -1 }).lean();
          seq = Math.max(seq, head?.seq ?? 0);
        }
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
