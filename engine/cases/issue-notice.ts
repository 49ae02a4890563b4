/**
 * 文书: issues a notice of a case (acceptance, one-time notification, return, completion),
 * rendered from the case, its item, window, centre and clerk, kept with its hash, and appended to
 * the case's audit chain as `notice.issued`.
 */
import { createHash } from 'node:crypto';
import { isDuplicateKey } from '../persistence/models';
import type { Material } from '../catalogue/catalogue-service';
import type { CaseContext, Known } from './context';
import type { HandedMaterial } from './materials';
import { maskIdNumber, maskPhone } from './identity';
import { renderNotice, type NoticeInput, type NoticeKind } from './notices';
import { orgCacheOf } from '../org/org-cache';

/**
 * `id`: a fixed id (a notice issued once: its event is keyed, and a second issue only appends the
 * event again); without it the notice is numbered after the earlier ones of its kind.
 * `known`: the case as it is now (and its item, window, centre) when the caller holds them, so they are not read again.
 */
export async function issueNotice(ctx: CaseContext, caseNo: string, kind: NoticeKind, actor: string, extra: Partial<NoticeInput> & { missing?: any[] }, id?: string, known?: Known) {
  const { models, clock } = ctx.deps;
  const kase: any = known?.kase ?? (await models.ServiceCase.findById(caseNo).lean());
  if (!kase) return;
  // the window, centre and clerk's name through the org cache (org-cache.ts): the same few notice after notice
  const [item, window, org, names] = await Promise.all([
    known?.item ?? models.ServiceItem.findById(kase.itemCode).lean(),
    known?.window ?? orgCacheOf(models).window(kase.receivingWindow),
    known?.org ?? orgCacheOf(models).unit(kase.orgUnit),
    ctx.deps.org.displayNames([kase.responsible]),
  ]);
  const clerk = { displayName: names.get(kase.responsible) };
  const a = kase.applicant as any;
  // a fixed id (a notice issued once) needs no count of the earlier ones
  const _id = id ?? `${caseNo}:${kind}:${(await models.Notice.countDocuments({ caseNo, kind })) + 1}`;
  const now = clock.now();
  const rendered = renderNotice({
    kind,
    caseNo,
    centreName: org?.name ?? '',
    centrePhone: org?.phone ?? undefined,
    windowName: window?.name ?? '',
    clerkName: clerk?.displayName ?? kase.responsible,
    itemName: kase.itemName,
    itemCode: kase.itemCode,
    applicant: { name: a.name, idNumberMasked: maskIdNumber(a.idNumber), phoneMasked: a.phone ? maskPhone(a.phone) : undefined },
    issuedAt: now,
    acceptedAt: kase.acceptedAt ?? undefined,
    promisedLimitDays: item?.promisedLimitDays,
    statutoryLimitDays: item?.statutoryLimitDays,
    materialsReceived: kind === 'acceptance' ? ((kase.materials as HandedMaterial[]) ?? []).filter((m) => m.provided).map((m) => {
      const mat = (item?.materials as Material[] | undefined)?.find((x) => x.code === m.code);
      return { name: mat?.name ?? m.code, copies: mat?.copies ?? 1, form: mat?.form ?? '' };
    }) : undefined,
    ...extra,
  } as NoticeInput);
  const sha256 = createHash('sha256').update(rendered.html).digest('hex');
  try {
    await models.Notice.create({ _id, caseNo, kind, title: rendered.title, html: rendered.html, text: rendered.text, sha256, issuedAt: now, issuedBy: actor });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // issued already (a replayed projection, a repaired acceptance): a notice of a fixed id has its
    // event appended again, keyed — written once, also when the kill came between notice and event
    if (!id) return;
    const issued = await models.Notice.findById(_id, { kind: 1, title: 1, sha256: 1, issuedBy: 1 }).lean();
    if (issued) await ctx.deps.audit.append(caseNo, 'notice.issued', String(issued.issuedBy ?? actor), { noticeId: _id, kind: issued.kind, title: issued.title, sha256: issued.sha256 }, { dedupeKey: `notice:${_id}` });
    return;
  }
  const data = { noticeId: _id, kind, title: rendered.title, sha256 };
  // a fixed id: keyed (see above), so it may go with the caller's batch; a counted one is written now
  if (id) await ctx.deps.audit.append(caseNo, 'notice.issued', actor, data, { dedupeKey: `notice:${_id}` });
  else await ctx.deps.audit.appendNow(caseNo, 'notice.issued', actor, data);
}
