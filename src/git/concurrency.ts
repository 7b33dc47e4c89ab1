/**
 * Two small scheduling primitives. Hand-written on purpose: the well-known packages for this
 * (p-limit, p-queue) are ESM-only, which the CommonJS extension host bundle and the plain-Node
 * unit tests would have to work around, for ~30 lines of logic.
 */

/** Runs at most `limit` tasks at a time, in submission order. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  const next = () => {
    active--;
    waiting.shift()?.();
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        task().then(resolve, reject).finally(next);
      };
      if (active < limit) start();
      else waiting.push(start);
    });
}

/**
 * Serialises work per key (a repository's common dir): the next mutation on a repository starts
 * only after the previous one settled, whether it succeeded or failed. Different keys run in parallel.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** True while a task for this key is queued or running. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }
}
