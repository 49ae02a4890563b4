/**
 * The engine's timers on the platform's clock, and a step's deadline in working days (issue 11,
 * issue 13's leftover), in the real bpmn-engine with the shipped report-up diagram, no database:
 * the platform clock is a variable moved by the test (the Clock port), never a sleep.
 * - 镇级初审 (`P3D`) taken on a Friday is due on Wednesday at close of business — the step
 *   clock's breach (`derive` of clock-ledger.ts) — not on Monday: a firing on Monday after 72
 *   hours changes nothing, one at the due time escalates;
 * - 镇窗口受理 (`PT8H`, one working day) taken on 30 September 2026 is due on 8 October 17:30,
 *   after the National Day holiday (1–7 October), and with a centre closing at 17:00, at 17:00;
 * - a demo override of the step's limit (`townAcceptLimit: 'PT2S'`) stays calendar time, as the
 *   step clock reads it;
 * - the cached definition context (definition-cache.ts): a run from it gives the same result as
 *   a run that parses the XML, the state it returns leaves the 27 KB context out and recovers on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runEngine, type RunResult } from '../run-engine';
import { DefinitionContexts } from '../definition-cache';
import { WorkingCalendar } from '../../calendar/working-calendar';
import { derive, parseStepLimit } from '../../supervision/clock-ledger';
import { stepDeadlineOn } from '../../supervision/step-deadlines';

const XML = readFileSync(path.join(__dirname, '..', '..', '..', 'processes', 'diagrams', 'report-up-item.bpmn'), 'utf8');
const calendar = WorkingCalendar.official();
const cst = (s: string) => new Date(`${s}+08:00`);

/** The platform clock of the test: moved, never waited for. */
let clock = cst('2026-12-04T10:00:00');
const now = () => clock;
const timerClock = (closeTime?: string) => ({ now, stepDeadline: stepDeadlineOn(calendar, closeTime) });

const contexts = new DefinitionContexts(4);

function fire(prev: RunResult, closeTime?: string) {
  return runEngine({ name: 'ru-1', state: prev.state, previous: prev, now, timerClock: timerClock(closeTime) });
}

function complete(prev: RunResult, elementId: string, variables: Record<string, unknown>) {
  const task = prev.openTasks.find((t) => t.elementId === elementId)!;
  return runEngine({ name: 'ru-1', state: prev.state, previous: prev, now, timerClock: timerClock(), apply: (ctx) => ctx.signalTask(task.executionId, variables) });
}

/** The step clock's breach for `limit` started at `startedAt` (what the inbox and the escalations count). */
function clockBreach(limit: string, startedAt: Date, closeTime?: string) {
  return derive({ budget: parseStepLimit(limit), startedAt, pauses: [], ...(closeTime ? { closeTime } : {}) }, calendar).signals.breach!;
}

describe('engine timers on the platform clock; step deadlines in working days', () => {
  it('镇级初审 P3D taken on a Friday escalates on Wednesday at close of business, not after 72 hours on Monday', async () => {
    clock = cst('2026-12-04T09:00:00'); // Friday
    const started = await runEngine({ name: 'ru-1', source: XML, variables: { caseNo: 'DB20261204001X' }, previous: null, now, timerClock: timerClock() });
    clock = cst('2026-12-04T10:00:00');
    const review = await complete(started, 'town-accept', { decision: 'approve' });
    expect(review.openTasks.map((t) => t.elementId)).toEqual(['town-review']);
    const timer = review.timers.find((t) => t.elementId === 'town-review-deadline')!;
    expect(timer.expireAt).toBe(cst('2026-12-09T17:30:00').toISOString());
    expect(timer.expireAt).toBe(clockBreach('P3D', clock).toISOString());

    // Monday 10:00: 72 hours have passed — nothing is due
    clock = cst('2026-12-07T10:00:00');
    const monday = await fire(review);
    expect(monday.changed).toBe(false);
    expect(monday.escalations).toEqual([]);
    expect(monday.timers.map((t) => t.expireAt)).toEqual([cst('2026-12-09T17:30:00').toISOString()]);

    // Wednesday 17:29:59: still not
    clock = cst('2026-12-09T17:29:59');
    expect((await fire(review)).changed).toBe(false);
    // at the due time: the deadline escalates, the step stays open (non-interrupting)
    clock = cst('2026-12-09T17:30:00');
    const due = await fire(review);
    expect(due.changed).toBe(true);
    expect(due.escalations.map((e) => e.elementId)).toEqual(['town-review-escalate']);
    expect(due.openTasks.map((t) => t.elementId)).toEqual(['town-review']);
  });

  it('镇窗口受理 PT8H on the eve of National Day is due on the first working day after it, at the centre\'s close of business', async () => {
    clock = cst('2026-09-30T10:00:00'); // Wednesday; 1–7 October 2026 are holidays
    const started = await runEngine({ name: 'ru-1', source: XML, variables: { caseNo: 'DB20260930001X' }, previous: null, now, timerClock: timerClock() });
    expect(started.timers.map((t) => [t.elementId, t.expireAt])).toEqual([['town-accept-deadline', cst('2026-10-08T17:30:00').toISOString()]]);
    expect(started.timers[0].expireAt).toBe(clockBreach('PT8H', clock).toISOString());
    // a centre that closes at 17:00
    const early = await runEngine({ name: 'ru-2', source: XML, variables: {}, previous: null, now, timerClock: timerClock('17:00') });
    expect(early.timers[0].expireAt).toBe(cst('2026-10-08T17:00:00').toISOString());
    expect(early.timers[0].expireAt).toBe(clockBreach('PT8H', clock, '17:00').toISOString());

    // 1 October, 18:00 (8 hours and more later): not due
    clock = cst('2026-10-01T18:00:00');
    expect((await fire(started)).changed).toBe(false);
    clock = cst('2026-10-08T17:30:00');
    const due = await fire(started);
    expect(due.escalations.map((e) => e.elementId)).toEqual(['town-accept-escalate']);
  });

  it('a demo override of the step limit stays calendar time on the platform clock; without a calendar the diagram reads calendar time', async () => {
    clock = cst('2026-12-04T09:00:00');
    const started = await runEngine({ name: 'ru-1', source: XML, variables: { townAcceptLimit: 'PT2S' }, previous: null, now, timerClock: timerClock() });
    expect(started.timers[0].expireAt).toBe(new Date(clock.getTime() + 2000).toISOString());
    clock = new Date(clock.getTime() + 1999);
    expect((await fire(started)).changed).toBe(false);
    clock = new Date(clock.getTime() + 1);
    expect((await fire(started)).escalations.map((e) => e.elementId)).toEqual(['town-accept-escalate']);

    // only the platform clock, no working calendar: PT8H is eight hours
    clock = cst('2026-12-04T09:00:00');
    const plain = await runEngine({ name: 'ru-3', source: XML, variables: {}, previous: null, now, timerClock: { now } });
    expect(plain.timers[0].expireAt).toBe(cst('2026-12-04T17:00:00').toISOString());
  });

  /**
   * Runs `fn` with the execution ids and the engine's own `new Date()`s made repeatable (a seeded
   * Math.random, the system date fixed), so two runs can be compared state for state.
   */
  async function repeatable<T>(fn: () => Promise<T>): Promise<T> {
    let seed = 42;
    const random = jest.spyOn(Math, 'random').mockImplementation(() => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    });
    jest.useFakeTimers({ now: clock, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    try {
      return await fn();
    } finally {
      jest.useRealTimers();
      random.mockRestore();
    }
  }

  it('the cached definition context runs as the XML does, and the state it returns leaves the context out', async () => {
    clock = cst('2026-12-04T09:00:00');
    const ctx = await contexts.get('report-up-item:1', { xml: XML });
    const fromXml = await repeatable(() => runEngine({ name: 'ru-1', source: XML, variables: { caseNo: 'DB1' }, previous: null, now, timerClock: timerClock() }));
    const fromCache = await repeatable(() => runEngine({ name: 'ru-1', context: ctx, variables: { caseNo: 'DB1' }, previous: null, now, timerClock: timerClock() }));
    expect(fromXml.omittedSource).toBeUndefined();
    expect(fromCache.omittedSource).toBe(ctx.serialized);
    const a = JSON.parse(fromXml.state);
    const b = JSON.parse(fromCache.state);
    // the same state but for the context, which is the cached one's serialized text
    expect(a.definitions[0].source).toBe(ctx.serialized);
    expect(b.definitions[0].source).toBeUndefined();
    delete a.definitions[0].source;
    expect(b).toEqual(a);
    expect(fromCache.state.length).toBeLessThan(fromXml.state.length / 2);
    expect({ ...fromCache, state: '', omittedSource: undefined }).toEqual({ ...fromXml, state: '', omittedSource: undefined });

    // a context rebuilt from the stored text is the same context; the stripped state recovers on it and moves on
    const stored = new DefinitionContexts(4);
    const again = await stored.get('report-up-item:1', { sourceContext: ctx.serialized, xml: XML });
    expect(again.serialized).toBe(ctx.serialized);
    const task = fromCache.openTasks[0];
    const next = await repeatable(() => runEngine({ name: 'ru-1', context: again, state: fromCache.state, previous: fromCache, now, timerClock: timerClock(), apply: (c) => c.signalTask(task.executionId, { decision: 'approve' }) }));
    expect(next.openTasks.map((t) => t.elementId)).toEqual(['town-review']);
    expect(next.omittedSource).toBe(ctx.serialized);
    // the same command on the inline state (as before the cache) gives the same result
    const inline = await repeatable(() => runEngine({ name: 'ru-1', state: fromXml.state, previous: fromXml, now, timerClock: timerClock(), apply: (c) => c.signalTask(fromXml.openTasks[0].executionId, { decision: 'approve' }) }));
    const x = JSON.parse(inline.state);
    delete x.definitions[0].source;
    expect(JSON.parse(next.state)).toEqual(x);
  });

  it('the cache is bounded: the least recently used version is dropped, concurrent first uses share one build', async () => {
    const small = new DefinitionContexts(2);
    const [p, q] = [small.get('a', { xml: XML }), small.get('a', { xml: XML })];
    expect(await p).toBe(await q);
    await small.get('b', { xml: XML });
    await small.get('a', { xml: XML }); // a used last
    await small.get('c', { xml: XML }); // drops b
    expect(small.size).toBe(2);
    expect(await small.get('a', { xml: XML })).toBe(await p);
    await expect(small.get('d', {})).rejects.toThrow(/sourceContext or the XML/);
    expect(small.size).toBe(2);
  });
});
