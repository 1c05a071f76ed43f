/** Injected time (STYLE §10): the scheduler, overrides and drills take a Timers so tests run exact and fast. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node fires a timeout over 2^31-1 ms at once (TimeoutOverflowWarning): longer delays are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface ChainedTimeout {
  current: NodeJS.Timeout | undefined;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer: ChainedTimeout = { current: undefined };
    const arm = (remaining: number): void => {
      const step = remaining > MAX_DELAY_MS ? () => arm(remaining - MAX_DELAY_MS) : callback;
      timer.current = setTimeout(step, Math.min(remaining, MAX_DELAY_MS));
      timer.current.unref();
    };
    arm(ms);
    return timer as unknown as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout((handle as unknown as ChainedTimeout).current),
};

/** A manual clock for tests: `advance(ms)` fires due callbacks in time order. */
export class ManualTimers implements Timers {
  private time: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + Math.max(0, ms), callback });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as unknown as number);
  }

  /** Delays (ms from now) of the pending timers, soonest first. */
  delays(): number[] {
    return [...this.pending.values()].map((p) => p.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward, firing every timer that falls due, and lets promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.nextDue(end);
      if (next === undefined) break;
      this.pending.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
    await flushMicrotasks();
  }

  private nextDue(end: number): [number, { at: number; callback: () => void }] | undefined {
    let best: [number, { at: number; callback: () => void }] | undefined;
    for (const entry of this.pending) {
      if (entry[1].at <= end && (best === undefined || entry[1].at < best[1].at)) best = entry;
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
