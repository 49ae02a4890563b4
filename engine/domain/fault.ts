/**
 * Named crash points for the tests that prove nothing is lost (故障注入). With
 * `PLATFORM_FAULT_INJECTION=1` and `PLATFORM_KILL_AT=<point>` in its environment, a process
 * SIGKILLs itself the first time it reaches that point — a real kill at an exact place between
 * two writes, which no timing-based kill can hit reliably. Without both variables (every
 * production start) `crashPoint` does nothing.
 */
const enabled = process.env.PLATFORM_FAULT_INJECTION === '1';
const target = enabled ? process.env.PLATFORM_KILL_AT : undefined;

export function crashPoint(name: string): void {
  if (target && target === name) process.kill(process.pid, 'SIGKILL');
}
