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

const holdAt = enabled ? (process.env.PLATFORM_HOLD_AT ?? '').split(',').filter(Boolean) : [];
const holdDir = enabled ? process.env.PLATFORM_HOLD_DIR : undefined;

/**
 * A pause at a named point (故障注入, like `crashPoint`), for tests that change the world between two
 * writes — e.g. stop PostgreSQL after a command's revision has committed and before its projection,
 * which no timing can hit. With `PLATFORM_FAULT_INJECTION=1`, `PLATFORM_HOLD_AT=<point>[,<point>…]`
 * and `PLATFORM_HOLD_DIR=<dir>`: a request reaching one of the points while `<dir>/armed` exists
 * removes it (one request holds per arming), writes `<dir>/held` and waits until the test removes
 * `held` (at most two minutes). Without all three (every production start) it returns at once.
 * Two requests held at once, each at its own point: arm `<dir>/armed.<point>`, released by removing
 * `<dir>/held.<point>`.
 */
export async function holdPoint(name: string): Promise<void> {
  if (!holdDir || !holdAt.includes(name)) return;
  const { existsSync, unlinkSync, writeFileSync } = await import('node:fs');
  let held = `${holdDir}/held.${name}`;
  try {
    unlinkSync(`${holdDir}/armed.${name}`);
  } catch {
    held = `${holdDir}/held`;
    try {
      unlinkSync(`${holdDir}/armed`);
    } catch {
      return; // not armed, or another request took it
    }
  }
  writeFileSync(held, name);
  for (const until = Date.now() + 120_000; existsSync(held) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
}
