/**
 * Decisions (决策, DMN decision tables) deployed next to diagrams: each deploy of a DMN document
 * stores a new immutable version per decision id in it, with the change note (变更说明) required
 * as for diagrams. Business rule tasks read a version's checked table (engine/runtime/dmn.ts).
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { Actor, Clock, Logger } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { parseDmn, type DecisionTable } from '../runtime/dmn';
import { checkChangeNote } from '../services/process-service';

/** One decision version without its XML. */
export interface DecisionVersionView {
  key: string;
  version: number;
  name: string;
  hitPolicy: string;
  deployedAt: Date;
  deployedBy: string;
  changeNote: string;
  sha256: string;
}

/** A decision id with its latest version's name and every version, newest first. */
export interface DecisionEntry {
  key: string;
  name: string;
  latestVersion: number;
  versions: DecisionVersionView[];
}

const VIEW_FIELDS = { key: 1, version: 1, name: 1, hitPolicy: 1, deployedAt: 1, deployedBy: 1, changeNote: 1, sha256: 1 } as const;

export class DecisionService {
  constructor(private readonly deps: { models: Models; clock: Clock; logger: Logger }) {}

  /**
   * Parses and checks `xml` (a DMN 1.3 document) and stores the next version of each decision in it.
   * @throws ValidationError CHANGE_NOTE_REQUIRED / DMN_MALFORMED; BusinessRuleError from parseDmn (422)
   */
  async deploy(xml: string, actor: Actor, changeNote?: string): Promise<DecisionVersionView[]> {
    const note = checkChangeNote(changeNote);
    const tables = await parseDmn(xml);
    const sha256 = createHash('sha256').update(xml).digest('hex');
    const out: DecisionVersionView[] = [];
    for (const table of tables) out.push(await this.store(table, xml, sha256, actor, note));
    return out;
  }

  private async store(table: DecisionTable, xml: string, sha256: string, actor: Actor, note: string): Promise<DecisionVersionView> {
    const { Decision } = this.deps.models;
    const latest = await Decision.findOne({ key: table.id }, { version: 1 }).sort({ version: -1 }).lean();
    let version = (latest?.version ?? 0) + 1;
    for (let attempt = 0; attempt < 20; attempt++, version++) {
      const doc = {
        _id: `${table.id}:${version}`,
        key: table.id,
        version,
        name: table.name,
        hitPolicy: table.aggregation ? `${table.hitPolicy} ${table.aggregation}` : table.hitPolicy,
        xml,
        sha256,
        deployedAt: this.deps.clock.now(),
        deployedBy: actor.username,
        changeNote: note,
        table,
      };
      try {
        await Decision.create(doc);
        this.deps.logger.info({ decision: doc.key, version }, 'decision deployed');
        const { xml: _x, table: _t, _id, ...view } = doc;
        return view;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new ConflictError('DEPLOY_CONTENDED', `could not claim a version number for decision ${table.id}`);
  }

  /** Every decision with its versions (a small configuration collection). */
  async list(): Promise<DecisionEntry[]> {
    const rows = (await this.deps.models.Decision.find({}, VIEW_FIELDS).sort({ key: 1, version: -1 }).lean()) as any[];
    const byKey = new Map<string, DecisionEntry>();
    for (const r of rows) {
      const { _id, ...v } = r;
      const e: DecisionEntry = byKey.get(v.key) ?? { key: v.key, name: v.name, latestVersion: v.version, versions: [] };
      e.versions.push(v);
      byKey.set(v.key, e);
    }
    return [...byKey.values()];
  }

  /** One decision with its versions, newest first. @throws NotFoundError DECISION_NOT_FOUND */
  async entry(key: string): Promise<DecisionEntry> {
    const rows = (await this.deps.models.Decision.find({ key }, VIEW_FIELDS).sort({ version: -1 }).lean()) as any[];
    if (!rows.length) throw new NotFoundError('DECISION_NOT_FOUND', `decision ${key} is not deployed`, { key });
    const versions = rows.map(({ _id, ...v }) => v);
    return { key, name: versions[0].name, latestVersion: versions[0].version, versions };
  }

  /**
   * A version (the latest when `version` is undefined) with its XML and checked table.
   * @throws NotFoundError DECISION_NOT_FOUND
   */
  async get(key: string, version?: number): Promise<DecisionVersionView & { xml: string; table: DecisionTable }> {
    const { Decision } = this.deps.models;
    const doc = (version === undefined ? await Decision.findOne({ key }).sort({ version: -1 }).lean() : await Decision.findOne({ key, version }).lean()) as any;
    if (!doc) {
      throw new NotFoundError('DECISION_NOT_FOUND', version === undefined ? `decision ${key} is not deployed` : `decision ${key} has no version ${version}`, { key, ...(version !== undefined ? { version } : {}) });
    }
    const { _id, ...rest } = doc;
    return rest;
  }
}
