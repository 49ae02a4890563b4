/**
 * The service-centre lint rules (processes/lint) run by bpmnlint in node (through processes/lint/cli.mjs,
 * since bpmn-moddle is ESM-only): every seeded path pattern lints clean; a bad diagram shows each rule
 * firing on the right element; messages and business rule tasks are checked against what is deployed.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

type Report = { id: string; message: string; category: string };
type Result = { warnings?: string[]; reports?: Record<string, Report[]>; error?: string };

const cli = join(__dirname, '..', 'cli.mjs');
const diagrams = join(__dirname, '..', '..', 'diagrams');
const patterns = readdirSync(diagrams).filter((f) => f.endsWith('.bpmn')).sort();

function lint(files: string[], ...flags: string[]): { status: number; results: Record<string, Result> } {
  try {
    const out = execFileSync(process.execPath, [cli, ...flags, ...files], { encoding: 'utf8' });
    return { status: 0, results: JSON.parse(out) };
  } catch (err: any) {
    if (typeof err.stdout !== 'string' || !err.stdout.trim()) throw err;
    return { status: err.status, results: JSON.parse(err.stdout) };
  }
}

describe('service-centre lint rules', () => {
  it('the five path patterns and the processes they call (the city’s for report-up, the department review for joint) lint clean, with and without the moddle extensions', () => {
    expect(patterns).toEqual(['city-report-up-approval.bpmn', 'department-review.bpmn', 'immediate-item.bpmn', 'joint-approval-item.bpmn', 'rejection-item.bpmn', 'report-up-item.bpmn', 'supplement-item.bpmn']);
    const files = patterns.map((f) => join(diagrams, f));
    for (const flags of [[], ['--no-extensions']]) {
      const { status, results } = lint(files, ...flags);
      for (const file of files) expect([file, results[file]]).toEqual([file, { warnings: [], reports: {} }]);
      expect(status).toBe(0);
    }
  });

  it('reports each broken rule on the broken element, as an error', () => {
    const file = join(__dirname, 'fixtures', 'bad.bpmn');
    const { status, results } = lint([file]);
    expect(status).toBe(1);
    const reports = results[file]!.reports!;
    const ids = (rule: string) => (reports[rule] ?? []).map((r) => r.id).sort();
    expect(ids('svc/user-task-receiver')).toEqual(['no-receiver']);
    expect(ids('svc/user-task-time-limit')).toEqual(['bad-limit', 'no-receiver']);
    expect(reports['svc/user-task-time-limit']!.find((r) => r.id === 'bad-limit')!.message).toContain('3 days');
    expect(ids('svc/no-script-task')).toEqual(['script']);
    expect(ids('svc/path-reaches-end')).toEqual(['loop-a', 'loop-b']);
    for (const [rule, list] of Object.entries(reports)) if (rule.startsWith('svc/')) for (const r of list) expect(r.category).toBe('error');
  });

  it('knows service and send tasks: a job topic with a handler is required, Java delegates are refused', () => {
    const file = join(__dirname, 'fixtures', 'jobs.bpmn');
    for (const flags of [[], ['--no-extensions']]) {
      const { status, results } = lint([file], ...flags);
      expect(status).toBe(1);
      const reports = results[file]!.reports!['svc/service-task-topic'] ?? [];
      expect(reports.map((r) => r.id).sort()).toEqual(['bad-topic', 'java', 'no-topic']);
      expect(reports.find((r) => r.id === 'bad-topic')!.message).toContain('「fax」');
      expect(reports.find((r) => r.id === 'no-topic')!.message).toContain('未设置作业主题');
      for (const r of reports) expect(r.category).toBe('error');
    }
  });

  it('knows call activities: the called process must be deployed (or linted with it), named by id, with a version when bound to one', () => {
    const file = join(__dirname, 'fixtures', 'calls.bpmn');
    for (const flags of [['--known=city-approval'], ['--known=city-approval', '--no-extensions']]) {
      const { status, results } = lint([file], ...flags);
      expect(status).toBe(1);
      const reports = results[file]!.reports!['svc/call-activity-target'] ?? [];
      // the known process and the process calling itself pass
      expect(reports.map((r) => r.id).sort()).toEqual(['expression', 'no-target', 'no-version', 'unknown']);
      const unknown = reports.find((r) => r.id === 'unknown')!;
      // Chinese, naming the element by its name and the missing process by its id
      expect(unknown.message).toBe('调用活动「报县级复核」调用的流程「county-review」尚未部署：请先部署被调用的流程');
      expect(reports.find((r) => r.id === 'no-target')!.message).toContain('「部门会审」未设置被调用的流程');
      expect(reports.find((r) => r.id === 'no-version')!.message).toContain('未填写版本号');
      for (const r of reports) expect(r.category).toBe('error');
    }
    // without --known, city-approval is not known either
    const { results } = lint([file]);
    expect((results[file]!.reports!['svc/call-activity-target'] ?? []).map((r) => r.id).sort()).toEqual(['expression', 'known', 'no-target', 'no-version', 'unknown']);
  });

  it('knows messages: a throw or catch without a message name is an error, a catch nobody sends to a warning naming the element', () => {
    const town = join(__dirname, 'fixtures', 'messages.bpmn');
    const city = join(__dirname, 'fixtures', 'message-throw.bpmn');
    const of = (results: Record<string, Result>, rule: string) => results[town]!.reports![rule] ?? [];
    for (const flags of [[], ['--no-extensions']]) {
      // linted with the city's diagram, which throws city-result
      const { status, results } = lint([town, city], ...flags);
      expect(status).toBe(1);
      const names = of(results, 'svc/message-name');
      expect(names.map((r) => r.id).sort()).toEqual(['catch-blank', 'end-blank', 'throw-no-ref']);
      expect(names.find((r) => r.id === 'throw-no-ref')!.message).toBe('消息抛出事件「通知市中心」未设置消息名称：请选择或新建一个有名称的消息，接收方按名称接收');
      expect(names.find((r) => r.id === 'end-blank')!.message).toContain('消息结束事件「办结并通知」');
      expect(names.find((r) => r.id === 'catch-blank')!.message).toContain('发送方按名称发送');
      for (const r of names) expect(r.category).toBe('error');
      // the receipt is declared as sent through the API, city-result is thrown by the city, town-done by this diagram itself
      const senders = of(results, 'svc/message-sender');
      expect(senders.map((r) => r.id).sort()).toEqual(['county', 'withdrawn']);
      expect(senders.find((r) => r.id === 'withdrawn')!.message).toBe('消息边界事件「申请人撤回」等待的消息「applicant-withdraw」没有发送方：已部署的流程都不发送该消息；若由外部系统经接口发送，请将消息来源设为外部接口');
      for (const r of senders) expect(r.category).toBe('warn');
      expect(results[city]!.reports!['svc/message-name'] ?? []).toEqual([]);
    }
    // alone, the city's message is not known to be thrown: unless --messages names it
    expect(of(lint([town]).results, 'svc/message-sender').map((r) => r.id).sort()).toEqual(['city', 'county', 'withdrawn']);
    expect(of(lint([town], '--messages=city-result,county-result').results, 'svc/message-sender').map((r) => r.id)).toEqual(['withdrawn']);
  });

  it('knows message start events: a message starts one process (deployed, linted with it, or this one)', () => {
    const city = join(__dirname, 'fixtures', 'message-starts.bpmn');
    const county = join(__dirname, 'fixtures', 'message-start-other.bpmn');
    const of = (results: Record<string, Result>, file: string) => results[file]!.reports!['svc/message-start-unique'] ?? [];
    for (const flags of [[], ['--no-extensions']]) {
      // alone: only the second start event of this process on the same message
      const alone = of(lint([city], ...flags).results, city);
      expect(alone.map((r) => r.id)).toEqual(['by-message-again']);
      expect(alone[0]!.message).toBe('消息开始事件「再次收到乡镇上报」的消息「report-up-request」已由本流程的消息开始事件「收到乡镇上报」接收：同一消息只能启动一个开始事件');
      expect(alone[0]!.category).toBe('error');
      // a deployed process (another key) starts on it: named in Chinese; the own key does not count
      const deployed = of(lint([city], '--message-starts=report-up-request@county-intake,report-up-request@city-intake', ...flags).results, city);
      expect(deployed.map((r) => r.id).sort()).toEqual(['by-message', 'by-message-again']);
      expect(deployed.find((r) => r.id === 'by-message')!.message).toBe('消息开始事件「收到乡镇上报」的消息「report-up-request」已是已部署流程「county-intake」的消息开始事件：同一消息只能启动一个流程，请改用其他消息名称');
      // linted together, each names the other
      const both = lint([city, county], ...flags).results;
      expect(of(both, county).map((r) => [r.id, r.message.includes('「city-intake」')])).toEqual([['county-start', true]]);
      expect(of(both, city).find((r) => r.id === 'by-message')!.message).toContain('「county-intake」');
    }
  });

  it('knows send tasks as message senders: a message and no topic sends it; both, or neither, is an error', () => {
    const file = join(__dirname, 'fixtures', 'message-starts.bpmn');
    for (const flags of [[], ['--no-extensions']]) {
      const reports = lint([file], ...flags).results[file]!.reports!;
      const topics = reports['svc/service-task-topic'] ?? [];
      expect(topics.map((r) => r.id).sort()).toEqual(['send-both', 'send-neither']);
      expect(topics.find((r) => r.id === 'send-both')!.message).toBe('发送任务既设置了作业主题「provincial-feed」又设置了消息：请二选一（发送消息，或作为作业运行）');
      expect(topics.find((r) => r.id === 'send-neither')!.message).toContain('未设置作业主题或消息');
      const names = reports['svc/message-name'] ?? [];
      expect(names.map((r) => [r.id, r.message])).toEqual([['send-blank', '发送任务「回复无名消息」未设置消息名称：请选择或新建一个有名称的消息，接收方按名称接收']]);
      // the send task's city-ack is this diagram's own: the catch of it has a sender
      expect((reports['svc/message-sender'] ?? []).map((r) => r.id)).toEqual([]);
    }
  });

  it('knows business rule tasks: a deployed decision by id into a result variable, never code', () => {
    const file = join(__dirname, 'fixtures', 'decisions.bpmn');
    const dmn = join(__dirname, '..', '..', 'decisions', 'hj-001-id-card-fee.dmn');
    for (const args of [[dmn, file], ['--decisions=hj001Fee', file], [dmn, file, '--no-extensions']]) {
      const { status, results } = lint(args);
      expect(status).toBe(1);
      const reports = results[file]!.reports!['svc/business-rule-decision'] ?? [];
      expect(reports.map((r) => r.id).sort()).toEqual(['expression', 'java', 'no-ref', 'no-result', 'no-version', 'unknown']);
      expect(reports.find((r) => r.id === 'unknown')!.message).toBe('业务规则任务「核定2030年收费」引用的决策表「fee-2030」尚未部署：请先部署决策表');
      expect(reports.find((r) => r.id === 'no-ref')!.message).toContain('「核定类别」未设置决策表');
      expect(reports.find((r) => r.id === 'no-result')!.message).toContain('未设置结果变量');
      expect(reports.find((r) => r.id === 'java')!.message).toContain('不运行程序代码');
      for (const r of reports) expect(r.category).toBe('error');
    }
    // no decisions known: an unknown one is left to the deploy, the rest is still checked
    const { results } = lint([file]);
    expect((results[file]!.reports!['svc/business-rule-decision'] ?? []).map((r) => r.id).sort()).toEqual(['expression', 'java', 'no-ref', 'no-result', 'no-version']);
  });

  it('accepts working days and ISO durations as time limits, nothing else', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { isTimeLimit } = require('../rules/user-task-time-limit');
    for (const ok of ['5WD', '20WD', 'P5D', 'PT30S', 'PT8H', 'P1DT12H', 'P2W']) expect([ok, isTimeLimit(ok)]).toEqual([ok, true]);
    for (const bad of ['5', 'WD', '0WD', 'P', 'PT', '5 days', 'P5DT', 'p5d']) expect([bad, isTimeLimit(bad)]).toEqual([bad, false]);
  });
});
