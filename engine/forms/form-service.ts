/**
 * 表单 — form-js schemas stored with versions, and the form of each user task.
 *
 * Storage (FerretDB subset, `_id`-only reads): `form_versions` (`_id` = `<formId>@<version>`,
 * immutable, claimed by insert) and `form_heads` (`_id` = formId, latest version and name,
 * moved forward by compare-and-set on `latest`). Two designers saving at once: one gets 409.
 *
 * A user task's form is `camunda:formKey="form:<formId>"` (the latest version is used, like
 * Camunda's `formRefBinding="latest"`). A task whose formKey names no stored form gets the
 * built-in `DEFAULT_TASK_FORM`; a task with no formKey at all (API-only diagrams) has no form
 * and its completion variables are not checked against one.
 *
 * Initial data of a task form: `decisionOptions` — the decisions the diagram can route (the
 * `decision == '…'` conditions on the exclusive gateway right after the task, plus `approve`
 * for its default flow), or 同意/已办理 where no gateway decides.
 */
import canonicalize from 'canonicalize';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Schema, type Connection, type Model } from 'mongoose';
import { BusinessRuleError, ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import type { UserTaskMeta } from '../domain/types';
import type { Models } from '../persistence/models';
import { checkFormSchema, inputFields, type FormSchema } from './form-schema';
import { validateFormData, type FieldProblem } from './validate-form-data';

export const DECISION_LABELS: Record<string, string> = {
  approve: '同意 / 通过',
  done: '已办理',
  reject: '不予许可',
  return: '退回上一环节',
  supplement: '需申请人补正',
};

export const DEFAULT_TASK_FORM: FormSchema = {
  type: 'default',
  id: 'form-default-task',
  schemaVersion: 16,
  components: [
    { type: 'radio', id: 'decision', key: 'decision', label: '办理结论', valuesKey: 'decisionOptions', validate: { required: true } },
    { type: 'textarea', id: 'opinion', key: 'opinion', label: '办理意见', validate: { maxLength: 2000 } },
  ],
};

const FORM_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

interface FormVersionDoc { _id: string; formId: string; version: number; name: string; schema: FormSchema; createdAt: Date; createdBy: string }
interface FormHeadDoc { _id: string; latest: number; name: string; updatedAt: Date; updatedBy: string }

export interface TaskForm {
  id: string;
  version: number;
  name: string;
  schema: FormSchema;
  data: Record<string, unknown>;
}

/** Form versions and definition versions kept in a process: both are immutable once written, so kept for good (bounded). */
const CACHED_VERSIONS = 500;

/** A bounded map: the oldest entry goes when it is full. */
function remember<T>(m: Map<string, T>, key: string, value: T): T {
  m.set(key, value);
  if (m.size > CACHED_VERSIONS) m.delete(m.keys().next().value!);
  return value;
}

export class FormService {
  private readonly Version: Model<FormVersionDoc>;
  private readonly Head: Model<FormHeadDoc>;
  /**
   * Form versions read (`<formId>@<version>`): a version is never changed once saved (a save
   * claims the next one), so only the head — which version is the latest — is read each time.
   */
  private readonly versionCache = new Map<string, FormVersionDoc>();
  /** The user-task metadata of definition versions read (by definition id): a deployed version never changes. */
  private readonly userTasksCache = new Map<string, UserTaskMeta[]>();

  constructor(conn: Connection, private readonly models: Models) {
    const opts = { versionKey: false, minimize: false } as const;
    this.Version = conn.models.FormVersion ?? conn.model<FormVersionDoc>('FormVersion', new Schema<FormVersionDoc>({
      _id: String, formId: String, version: Number, name: String, schema: Schema.Types.Mixed, createdAt: Date, createdBy: String,
    }, { ...opts, collection: 'form_versions' }));
    this.Head = conn.models.FormHead ?? conn.model<FormHeadDoc>('FormHead', new Schema<FormHeadDoc>({
      _id: String, latest: Number, name: String, updatedAt: Date, updatedBy: String,
    }, { ...opts, collection: 'form_heads' }));
  }

  /**
   * Loads processes/forms/*.form that are not stored yet (idempotent). A stored form that no
   * designer has changed (its latest version is the system's) follows a changed file with a new
   * version (e.g. a corrected hint); a designer's version is never replaced.
   */
  async seed(dir: string): Promise<number> {
    let n = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.form')).sort()) {
      const id = f.replace(/\.form$/, '');
      const schema = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as FormSchema;
      const title = schema.components.find((c) => c.type === 'text')?.text?.replace(/^#+\s*/, '') ?? id;
      const head = await this.Head.findById(id).lean();
      if (head) {
        if (head.updatedBy !== 'system') continue;
        const current = await this.Version.findById(`${id}@${head.latest}`).lean();
        if (!current || canonicalize(current.schema) === canonicalize(schema)) continue;
      }
      try {
        await this.save(id, { name: title, schema }, 'system', head?.latest ?? 0);
        n++;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    return n;
  }

  /** The forms, each with who saved it last by login and by display name (姓名; the seed's `system` has none). */
  async list() {
    const heads = await this.Head.find({}).lean();
    const people = [...new Set(heads.map((h) => h.updatedBy).filter((u) => u && u !== 'system'))];
    const users = people.length ? await this.models.User.find({ _id: { $in: people } }, { displayName: 1 }).lean() : [];
    const names = new Map(users.map((u: any) => [String(u._id), u.displayName as string | undefined]));
    return heads
      .map((h) => ({ id: h._id, name: h.name, version: h.latest, updatedAt: h.updatedAt, updatedBy: h.updatedBy, updatedByName: names.get(h.updatedBy) ?? undefined }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** A form version (the latest when `version` is omitted). `known` is its head, when the caller read it already. */
  async get(id: string, version?: number, known?: { latest: number } | null) {
    if (!FORM_ID.test(id)) throw new NotFoundError('FORM_NOT_FOUND', `no form "${id}"`);
    const head = known ?? (await this.Head.findById(id).lean());
    if (!head) throw new NotFoundError('FORM_NOT_FOUND', `no form "${id}"`);
    const v = version ?? head.latest;
    const doc = await this.version(id, v);
    if (!doc) throw new NotFoundError('FORM_NOT_FOUND', `form "${id}" has no version ${v}`);
    return { id, name: doc.name, version: doc.version, latestVersion: head.latest, schema: doc.schema, createdAt: doc.createdAt, createdBy: doc.createdBy };
  }

  /** One version of a form: read once per process, then kept (versions are immutable). */
  private async version(id: string, v: number): Promise<FormVersionDoc | null> {
    const key = `${id}@${v}`;
    const known = this.versionCache.get(key);
    if (known) return known;
    const doc = await this.Version.findById(key).lean();
    return doc ? remember(this.versionCache, key, doc as FormVersionDoc) : null;
  }

  async versions(id: string) {
    const head = await this.Head.findById(id).lean();
    if (!head) throw new NotFoundError('FORM_NOT_FOUND', `no form "${id}"`);
    const ids = Array.from({ length: head.latest }, (_, i) => `${id}@${i + 1}`);
    const docs = await this.Version.find({ _id: { $in: ids } }, { schema: 0 }).lean();
    return docs.map((d) => ({ version: d.version, name: d.name, createdAt: d.createdAt, createdBy: d.createdBy })).sort((a, b) => b.version - a.version);
  }

  /**
   * Saves a new version. `expectedLatest` (optional, from the editor) makes a save based on an
   * older version a 409 instead of silently overwriting someone else's change.
   */
  async save(id: string, input: { name: string; schema: unknown }, by: string, expectedLatest?: number) {
    if (!FORM_ID.test(id)) throw new ValidationError('INVALID_FORM_ID', 'a form id is lower-case letters, digits and "-" (at most 64), e.g. town-review');
    const problems = checkFormSchema(input.schema);
    if (problems.length) {
      throw new BusinessRuleError('FORM_SCHEMA_INVALID', problems.slice(0, 10).map((p) => `${p.path}: ${p.message}`).join('; '), { problems: problems.slice(0, 50).map((p) => ({ path: p.path, message: p.message })) });
    }
    const head = await this.Head.findById(id).lean();
    const latest = head?.latest ?? 0;
    if (expectedLatest !== undefined && expectedLatest !== latest) {
      throw new ConflictError('FORM_CHANGED', `form "${id}" is at version ${latest}, not ${expectedLatest}: reload it before saving`);
    }
    const version = latest + 1;
    const now = new Date();
    try {
      await this.Version.create({ _id: `${id}@${version}`, formId: id, version, name: input.name, schema: input.schema as FormSchema, createdAt: now, createdBy: by });
    } catch (e) {
      if ((e as { code?: number }).code === 11000) throw new ConflictError('FORM_CHANGED', `form "${id}" was saved by someone else just now; reload it`);
      throw e;
    }
    if (head) await this.Head.updateOne({ _id: id, latest }, { $set: { latest: version, name: input.name, updatedAt: now, updatedBy: by } });
    else {
      try {
        await this.Head.create({ _id: id, latest: version, name: input.name, updatedAt: now, updatedBy: by });
      } catch (e) {
        if ((e as { code?: number }).code !== 11000) throw e;
        await this.Head.updateOne({ _id: id, latest: { $lt: version } }, { $set: { latest: version, name: input.name, updatedAt: now, updatedBy: by } });
      }
    }
    return { id, version };
  }

  /**
   * The form of a task, with its initial data; null for a task without formKey. `known.definitionId`:
   * the task's definition version, when the caller read the instance head (saves reading it).
   */
  async taskForm(task: { _id: string; instanceId: string; elementId: string; formKey?: string | null; kind?: string }, known: { definitionId?: string } = {}): Promise<TaskForm | null> {
    if (task.kind && task.kind !== 'engine') return null;
    if (!task.formKey) return null;
    const decisionOptions = (await this.decisionsOf(task, known.definitionId)).map((value) => ({ value, label: DECISION_LABELS[value] ?? value }));
    const id = task.formKey.startsWith('form:') ? task.formKey.slice(5) : task.formKey;
    const stored = FORM_ID.test(id) ? await this.Head.findById(id).lean() : null;
    if (!stored) return { id: 'default-task', version: 0, name: '办理', schema: DEFAULT_TASK_FORM, data: { decisionOptions } };
    const f = await this.get(id, undefined, stored as { latest: number });
    return { id, version: f.version, name: f.name, schema: f.schema, data: { decisionOptions } };
  }

  /** Checks a completion against the task's form; throws 422 FORM_INVALID listing every problem. */
  async checkCompletion(task: Parameters<FormService['taskForm']>[0], input: { decision?: string; opinion?: string; variables?: Record<string, unknown> }, known: { definitionId?: string } = {}): Promise<void> {
    const form = await this.taskForm(task, known);
    if (!form) return;
    const data: Record<string, unknown> = { ...(input.variables ?? {}) };
    if (input.decision !== undefined) data.decision = input.decision;
    if (input.opinion !== undefined) data.opinion = input.opinion;
    const problems: FieldProblem[] = validateFormData(form.schema, data, form.data);
    if (problems.length) {
      throw new BusinessRuleError('FORM_INVALID', problems.map((p) => p.message).join('；'), { issues: problems.map((p) => ({ path: p.path, message: p.message })), form: { id: form.id, version: form.version } });
    }
  }

  /**
   * The applicant part of an intake against the stored `intake` form (what designers made of
   * it): the fields the form declares are checked; fields it does not declare are the API's
   * own (checked by its schema), so an older form version does not refuse a newer field.
   */
  async checkIntake(applicant: Record<string, unknown>): Promise<void> {
    const head = await this.Head.findById('intake').lean();
    if (!head) return;
    const form = await this.get('intake', undefined, head as { latest: number });
    const declared = new Set(inputFields(form.schema).map((f) => f.key[0]));
    const data = Object.fromEntries(Object.entries(applicant).filter(([k, v]) => declared.has(k) && v !== undefined));
    const problems = validateFormData(form.schema, data, {});
    if (problems.length) {
      throw new BusinessRuleError('FORM_INVALID', problems.map((p) => p.message).join('；'), { issues: problems.map((p) => ({ path: `applicant.${p.path}`, message: p.message })), form: { id: 'intake', version: form.version } });
    }
  }

  private async decisionsOf(task: { instanceId: string; elementId: string }, definitionId?: string): Promise<string[]> {
    const meta = (await this.userTasksOf(task.instanceId, definitionId)).find((m) => m.elementId === task.elementId);
    if (meta?.decisions?.length) return meta.decisions;
    return meta?.returnTo ? ['approve', 'return'] : ['approve', 'done'];
  }

  /**
   * The user-task metadata of an instance's definition version: kept per version once read; with
   * `definitionId` unknown, the instance's version with its metadata in one read.
   */
  private async userTasksOf(instanceId: string, definitionId?: string): Promise<UserTaskMeta[]> {
    const known = definitionId ? this.userTasksCache.get(definitionId) : undefined;
    if (known) return known;
    if (definitionId) {
      const def = await this.models.Definition.findById(definitionId, { userTasks: 1 }).lean();
      return def ? remember(this.userTasksCache, definitionId, ((def as any).userTasks ?? []) as UserTaskMeta[]) : [];
    }
    const [inst] = await this.models.Instance.aggregate([
      { $match: { _id: instanceId } },
      { $lookup: { from: this.models.Definition.collection.collectionName, localField: 'definitionId', foreignField: '_id', as: 'def' } },
      { $project: { definitionId: 1, 'def.userTasks': 1 } },
    ]);
    const tasks = ((inst?.def?.[0]?.userTasks ?? []) as UserTaskMeta[]);
    return inst?.def?.[0] && inst.definitionId ? remember(this.userTasksCache, String(inst.definitionId), tasks) : tasks;
  }
}
