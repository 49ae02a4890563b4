/**
 * A report's rows: an accumulator (accumulator.ts) turned into a `StatsRow` with its rates and
 * label, the names read for the labels, and the documented row order. Both read paths (the scan,
 * the rollups) finish with these, so their answers are the same row for row.
 */
import type { Db } from 'mongodb';
import type { Acc, Doc, LimitAcc } from './accumulator';
import type { LimitStats, StatsLookups, RatingStats, StatsDimension, StatsRow } from './report-types';

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const ratio = (a: number, b: number): number | null => (b > 0 ? r4(a / b) : null);

function limitStats(l: LimitAcc): LimitStats {
  const stopped = l.early + l.onTime + l.late;
  return { stopped, early: l.early, onTime: l.onTime, late: l.late, onTimeRate: ratio(l.early + l.onTime, stopped), running: l.running, paused: l.paused, overdueNow: l.overdueNow };
}

function ratingStats(levels: Acc['levels']): RatingStats {
  const count = levels[1] + levels[2] + levels[3] + levels[4] + levels[5];
  const sum = levels[1] + 2 * levels[2] + 3 * levels[3] + 4 * levels[4] + 5 * levels[5];
  return { count, levels: [0, levels[1], levels[2], levels[3], levels[4], levels[5]], average: count ? r2(sum / count) : null, satisfiedRate: ratio(levels[4] + levels[5], count) };
}

/** A report row from its accumulator, labelled by the lookups. */
export function toRow(a: Acc, dimension: StatsDimension, lookups: StatsLookups): StatsRow {
  let label = a.key;
  let orgUnit = a.orgUnit;
  switch (dimension) {
    case 'town':
      label = lookups.orgs.get(a.key)?.shortName ?? a.key;
      orgUnit = a.key;
      break;
    case 'window': {
      const w = lookups.windows.get(a.key);
      label = w?.name ?? a.key;
      orgUnit = w?.orgUnit ?? a.orgUnit;
      break;
    }
    case 'department':
      label = [...lookups.windows.values()].find((w) => w.department === a.key && w.departmentName)?.departmentName ?? a.key;
      break;
    case 'item':
      label = a.labelHint ?? lookups.items.get(a.key) ?? a.key;
      break;
    case 'person':
      label = lookups.people.get(a.key) ?? a.key;
      break;
    case 'all':
      label = '合计';
      break;
  }
  const orgName = orgUnit ? lookups.orgs.get(orgUnit)?.shortName : undefined;
  return {
    key: a.key,
    label,
    ...(dimension === 'window' || dimension === 'person' ? { orgUnit, orgUnitName: orgName } : {}),
    received: a.received,
    completed: a.completed,
    rejected: a.rejected,
    open: a.open,
    supplement: a.supplement,
    supplementRate: ratio(a.supplement, a.received),
    rejectionRate: ratio(a.rejected, a.received),
    statutory: limitStats(a.statutory),
    promised: limitStats(a.promised),
    handled: a.handled,
    avgWorkingDays: a.handled ? r2(a.daysSum / a.handled) : null,
    avgPromisedUse: a.promisedUseN ? r4(a.promisedUseSum / a.promisedUseN) : null,
    escalations: a.escalations,
    complaints: a.complaints,
    violations: a.violations,
    ratings: ratingStats(a.levels),
  };
}


/** Names for the rows; small collections, read whole (FerretDB pushes no `$in` down anyway). */
export async function readLookups(db: Db, dimension: StatsDimension, keys: string[]): Promise<StatsLookups> {
  const orgs: StatsLookups['orgs'] = new Map();
  const windows: StatsLookups['windows'] = new Map();
  const items: StatsLookups['items'] = new Map();
  const people: StatsLookups['people'] = new Map();
  const tasks: Promise<void>[] = [
    (async () => {
      for await (const o of db.collection<Doc>('org_units').find({}, { projection: { _id: 1, shortName: 1, name: 1, seq: 1, level: 1 } })) {
        orgs.set(String(o._id), { shortName: o.shortName, name: o.name, seq: typeof o.seq === 'number' ? o.seq : 99, level: o.level });
      }
    })(),
  ];
  if (dimension === 'window' || dimension === 'department') {
    tasks.push(
      (async () => {
        for await (const w of db.collection<Doc>('windows').find({}, { projection: { _id: 1, name: 1, orgUnit: 1, no: 1, department: 1, departmentName: 1, status: 1 } })) {
          windows.set(String(w._id), { name: w.name, orgUnit: w.orgUnit, no: w.no, department: w.department, departmentName: w.departmentName, status: w.status });
        }
      })(),
    );
  }
  if (dimension === 'item') {
    tasks.push(
      (async () => {
        for await (const it of db.collection<Doc>('service_items').find({}, { projection: { _id: 1, name: 1 } })) items.set(String(it._id), String(it.name ?? it._id));
      })(),
    );
  }
  if (dimension === 'person' && keys.length) {
    tasks.push(
      (async () => {
        for await (const u of db.collection<Doc>('users').find({ _id: { $in: keys } }, { projection: { _id: 1, displayName: 1 } })) {
          people.set(String(u._id), String(u.displayName ?? u._id));
        }
      })(),
    );
  }
  await Promise.all(tasks);
  return { orgs, windows, items, people };
}

/** Rows in the documented order: towns by the catalogue, windows by town then number, persons by town, the rest by key. */
export function sortRows(rows: StatsRow[], dimension: StatsDimension, lookups: StatsLookups): void {
  const seqOf = (org?: string) => (org ? (lookups.orgs.get(org)?.seq ?? 999) : 999);
  const byKey = (a: StatsRow, b: StatsRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  switch (dimension) {
    case 'town':
      rows.sort((a, b) => seqOf(a.key) - seqOf(b.key) || byKey(a, b));
      break;
    case 'window':
      rows.sort((a, b) => seqOf(a.orgUnit) - seqOf(b.orgUnit) || (lookups.windows.get(a.key)?.no ?? 999) - (lookups.windows.get(b.key)?.no ?? 999) || byKey(a, b));
      break;
    case 'person':
      rows.sort((a, b) => seqOf(a.orgUnit) - seqOf(b.orgUnit) || byKey(a, b));
      break;
    default:
      rows.sort(byKey);
  }
}
