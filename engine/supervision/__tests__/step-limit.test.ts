/**
 * Step time limits (环节时限): the shipped diagrams write `svc:timeLimit` as ISO durations (PT8H,
 * P3D) for their boundary timers; the step clock reads whole days and whole 8-hour days as working
 * days (行政许可法 第八十二条). Before this, only `3WD` started a clock and the inbox said 未计时 for
 * 镇窗口受理 (PT8H) and 镇级初审 (P3D).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkingCalendar } from '../../calendar/working-calendar';
import { derive, parseStepLimit } from '../clock-ledger';

const DIAGRAMS = path.join(__dirname, '..', '..', '..', 'processes', 'diagrams');

describe('parseStepLimit', () => {
  it('reads working days, whole ISO days and whole 8-hour days as working days; other durations as calendar time', () => {
    expect(parseStepLimit('3WD')).toEqual({ unit: 'working-days', days: 3 });
    expect(parseStepLimit('5工作日')).toEqual({ unit: 'working-days', days: 5 });
    expect(parseStepLimit('P3D')).toEqual({ unit: 'working-days', days: 3 });
    expect(parseStepLimit(' P1D ')).toEqual({ unit: 'working-days', days: 1 });
    expect(parseStepLimit('PT8H')).toEqual({ unit: 'working-days', days: 1 });
    expect(parseStepLimit('PT16H')).toEqual({ unit: 'working-days', days: 2 });
    expect(parseStepLimit('PT2H')).toEqual({ unit: 'duration', ms: 2 * 3_600_000, iso: 'PT2H' });
    expect(parseStepLimit('PT30M')).toEqual({ unit: 'duration', ms: 30 * 60_000, iso: 'PT30M' });
    expect(parseStepLimit('P1DT4H')).toEqual({ unit: 'duration', ms: 28 * 3_600_000, iso: 'P1DT4H' });
    expect(() => parseStepLimit('P0D')).toThrow(/INVALID_TIME_LIMIT|time limit/);
    expect(() => parseStepLimit('三天')).toThrow(/time limit/);
  });

  it('P3D from a Friday ends on Wednesday at close of business, not on Monday morning', () => {
    const cal = WorkingCalendar.official();
    const friday = new Date('2026-11-13T10:00:00+08:00');
    const d = derive({ budget: parseStepLimit('P3D'), startedAt: friday, pauses: [] }, cal);
    expect(d.dueAt?.toISOString()).toBe(new Date('2026-11-18T17:30:00+08:00').toISOString());
    // PT8H received Friday morning: due Monday at close of business (the first day is not counted)
    const one = derive({ budget: parseStepLimit('PT8H'), startedAt: friday, pauses: [] }, cal);
    expect(one.dueAt?.toISOString()).toBe(new Date('2026-11-16T17:30:00+08:00').toISOString());
  });

  it('every user task of every shipped diagram has a limit that starts a working-day step clock', () => {
    const files = readdirSync(DIAGRAMS).filter((f) => f.endsWith('.bpmn'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    let steps = 0;
    for (const f of files) {
      const xml = readFileSync(path.join(DIAGRAMS, f), 'utf8');
      for (const m of xml.matchAll(/<bpmn:userTask\b[^>]*>/g)) {
        const id = /\sid="([^"]+)"/.exec(m[0])![1];
        const limit = /\ssvc:timeLimit="([^"]+)"/.exec(m[0])?.[1];
        expect({ file: f, id, hasLimit: !!limit }).toEqual({ file: f, id, hasLimit: true });
        expect({ file: f, id, unit: parseStepLimit(limit!).unit }).toEqual({ file: f, id, unit: 'working-days' });
        steps++;
      }
    }
    expect(steps).toBeGreaterThanOrEqual(20);
  });
});
