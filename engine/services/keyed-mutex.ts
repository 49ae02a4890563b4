/**
 * Serialises work per key inside one process (commands on one instance queue up instead of
 * racing for the same revision). Across processes the revision insert is the real claim.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** True while work for `key` runs or waits in this process (what was read before may be stale). */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
