/**
 * Issue 12, a narrow race in a case's audit chain: an acceptance (受理) starts the item's path — its
 * first step is in the clerk's inbox at once — and writes its events (case.accepted, the acceptance
 * notice, the clocks) as one batch. A clerk quick enough to complete the step while the acceptance
 * was still going on ended the case, and its case.ended could go into the chain before
 * case.accepted: the batch was written after the case was put in progress.
 *
 * Held at an exact point, which no timing can hit: the server runs with the fault-injection hold
 * point (engine/domain/fault.ts `holdPoint`) `case.accept:before-in-progress`, between the
 * acceptance's events and its write of 'in-progress'. The test arms it, takes in an immediate item
 * (即办件) at 丁堡镇's window, and while the intake is held completes its step through the inbox.
 * That completion must not end a case that is not in progress yet; the acceptance ends it when it
 * goes on: case.accepted first, then case.ended, each once, the chain valid, one completion notice.
 *
 * The second story holds the completion too, at `case.projected:completed`: its case layer has run
 * (it found the case accepting) but its instance head has not moved yet. The acceptance used to
 * decide "its instance ended" from that head, read 'running', and left the case in progress for
 * good; it must decide from the case itself (the end's mark, finish-case.ts) and end the case
 * while the completion is still held.
 */
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { useServer } from '../helpers/suite';

const holdDir = mkdtempSync(path.join(tmpdir(), 'accept-race-'));
const ACCEPT_POINT = 'case.accept:before-in-progress';
const PROJECTED_POINT = 'case.projected:completed';

/** The open step of a case being accepted, from the clerk's inbox. */
async function openStepOfInbox(clerk: any): Promise<any> {
  return waitFor(async () => {
    for (const filter of ['mine', 'window']) {
      const r = await clerk.get(`/api/inbox?filter=${filter}`);
      const row = ((Array.isArray(r.body) ? r.body : (r.body?.items ?? [])) as any[]).find((t) => t.caseNo && t.status === 'open');
      if (row) return row;
    }
    return undefined;
  }, "the step of the case being accepted in the clerk's inbox");
}

describe('a step completed while its case is still being accepted (issue 12)', () => {
  const suite = useServer('accept-race', {
    PLATFORM_FAULT_INJECTION: '1',
    PLATFORM_HOLD_AT: 'case.accept:before-in-progress,case.projected:completed',
    PLATFORM_HOLD_DIR: holdDir,
    REQUEST_TIMEOUT_MS: '60000',
  });

  afterAll(() => {
    // nothing left held for a server still running, then the folder goes
    for (const f of ['held', `held.${ACCEPT_POINT}`, `held.${PROJECTED_POINT}`]) if (existsSync(path.join(holdDir, f))) unlinkSync(path.join(holdDir, f));
    rmSync(holdDir, { recursive: true, force: true });
  });

  it('the case is ended by its acceptance, after it: case.accepted before case.ended in the chain, each once', async () => {
    // given an immediate item taken in at the window, its acceptance held after its events, before the case is in progress
    const clerk = await suite.as('clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    writeFileSync(path.join(holdDir, 'armed'), '');
    const intake = clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('阿依古丽·买买提', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    await waitFor(async () => existsSync(path.join(holdDir, 'held')), 'the acceptance to reach the point before its case is in progress', 30_000, 50);

    // when the clerk completes the case's step from the inbox meanwhile
    const rows = await waitFor(async () => {
      for (const filter of ['mine', 'window']) {
        const r = await clerk.get(`/api/inbox?filter=${filter}`);
        const row = ((Array.isArray(r.body) ? r.body : (r.body?.items ?? [])) as any[]).find((t) => t.caseNo && t.status === 'open');
        if (row) return row;
      }
      return undefined;
    }, 'the step of the case being accepted in the clerk\'s inbox');
    const caseNo = rows.caseNo as string;
    const held = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(held.status).toBe('accepting');
    const done = await clerk.post(`/api/tasks/${encodeURIComponent(rows.id)}/complete`, { decision: 'approve', opinion: '材料齐全，当场办结。' });
    expect(done.status).toBe(200);

    // then that completion did not end the case (it is not in progress yet): the chain has its acceptance, no end
    const during = ((await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[]).map((e) => e.type);
    expect(during).toContain('case.accepted');
    expect(during).not.toContain('case.ended');
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('accepting');

    // and once the acceptance goes on, it ends the case itself, after its acceptance
    unlinkSync(path.join(holdDir, 'held'));
    const answered = await intake;
    expect(answered.status).toBe(201);
    expect(answered.body.case.caseNo).toBe(caseNo);
    const ended = await waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      return c.status === 'completed' ? c : undefined;
    }, 'the case to be completed');
    expect(ended.outcome).toBe('approved');
    const chain = ((await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[]).map((e) => e.type);
    expect(chain.filter((t) => t === 'case.accepted')).toHaveLength(1);
    expect(chain.filter((t) => t === 'case.ended')).toHaveLength(1);
    expect(chain.indexOf('case.accepted')).toBeLessThan(chain.indexOf('task.completed'));
    expect(chain.indexOf('case.accepted')).toBeLessThan(chain.indexOf('case.ended'));
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
    const notices = (await clerk.get(`/api/service-cases/${caseNo}/notices`)).body as any[];
    expect(notices.filter((n) => n.kind === 'acceptance')).toHaveLength(1);
    expect(notices.filter((n) => n.kind === 'completion')).toHaveLength(1);
  }, 120_000);

  it('a completion whose instance head has not moved yet: the acceptance still ends the case, decided from the case, not the head', async () => {
    // given an immediate item taken in at the window, its acceptance held before the case is in progress
    const clerk = await suite.as('clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    writeFileSync(path.join(holdDir, `armed.${ACCEPT_POINT}`), '');
    const intake = clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('欧阳·娜仁', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    await waitFor(async () => existsSync(path.join(holdDir, `held.${ACCEPT_POINT}`)), 'the acceptance to reach the point before its case is in progress', 30_000, 50);

    // when the clerk completes the case's step meanwhile, and that completion is held after its case
    // layer ran (the case still accepting: told, not ended) and before its instance head moves
    const row = await openStepOfInbox(clerk);
    const caseNo = row.caseNo as string;
    writeFileSync(path.join(holdDir, `armed.${PROJECTED_POINT}`), '');
    const done = clerk.post(`/api/tasks/${encodeURIComponent(row.id)}/complete`, { decision: 'approve', opinion: '材料齐全，当场办结。' });
    await waitFor(async () => existsSync(path.join(holdDir, `held.${PROJECTED_POINT}`)), 'the completion to be held before its instance head moves', 30_000, 50);
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('accepting');

    // and the acceptance goes on while the completion is still held (its head still says running)
    unlinkSync(path.join(holdDir, `held.${ACCEPT_POINT}`));
    const answered = await intake;
    expect(answered.status).toBe(201);
    expect(answered.body.case.caseNo).toBe(caseNo);

    // then the acceptance has ended the case — before the completion's head moved
    const ended = await waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      return c.status === 'completed' ? c : undefined;
    }, 'the case to be completed by its acceptance while the completion is held', 15_000);
    expect(ended.outcome).toBe('approved');
    expect(existsSync(path.join(holdDir, `held.${PROJECTED_POINT}`))).toBe(true);

    // and once the completion goes on it answers as done, and nothing is doubled
    unlinkSync(path.join(holdDir, `held.${PROJECTED_POINT}`));
    expect((await done).status).toBe(200);
    const chain = ((await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[]).map((e) => e.type);
    expect(chain.filter((t) => t === 'case.accepted')).toHaveLength(1);
    expect(chain.filter((t) => t === 'case.ended')).toHaveLength(1);
    expect(chain.indexOf('case.accepted')).toBeLessThan(chain.indexOf('case.ended'));
    expect((await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('completed');
    const notices = (await clerk.get(`/api/service-cases/${caseNo}/notices`)).body as any[];
    expect(notices.filter((n) => n.kind === 'completion')).toHaveLength(1);
  }, 120_000);
});
