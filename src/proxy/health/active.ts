/**
 * Active health checks of one upstream group, through a tier-1 probe (src/health/probes): every interval
 * (± jitter) each upstream is probed; `rise` consecutive passes bring it up, `fall` failures take it down.
 */
import type { ProbeResult, ProbeTarget } from "../../health/probes/probe.ts";
import type { UpstreamGroup } from "../pool.ts";
import type { Upstream } from "../upstream.ts";

/** One probe run: the tier-1 `Probe.run` fits. */
export type ActiveCheck = (target: ProbeTarget, signal: AbortSignal) => Promise<ProbeResult>;

export interface ActiveCheckTiming {
  readonly interval: number;
  readonly rise: number;
  readonly fall: number;
  /** Fraction of the interval: runs spread over interval × (1 ± jitter). */
  readonly jitter: number;
}

interface Streak {
  passes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  lastDetail: string;
}

export class ActiveChecker {
  private readonly group: UpstreamGroup;
  private readonly check: ActiveCheck;
  private readonly timing: ActiveCheckTiming;
  private readonly random: () => number;
  private readonly streaks = new Map<Upstream, Streak>();
  private readonly stopper = new AbortController();
  private readonly onChange: ((upstream: Upstream, up: boolean, detail: string) => void) | undefined;

  constructor(
    group: UpstreamGroup,
    check: ActiveCheck,
    timing: ActiveCheckTiming,
    onChange?: (upstream: Upstream, up: boolean, detail: string) => void,
    random: () => number = Math.random,
  ) {
    this.group = group;
    this.check = check;
    this.timing = timing;
    this.onChange = onChange;
    this.random = random;
  }

  /** First runs come at once, spread only by the jitter: upstreams waiting for their first result take no traffic. */
  start(): void {
    const { interval, jitter } = this.timing;
    for (const upstream of this.group.members) this.schedule(upstream, this.random() * jitter * interval);
  }

  stop(): void {
    this.stopper.abort();
    for (const streak of this.streaks.values()) clearTimeout(streak.timer);
    this.streaks.clear();
  }

  /** Runs one probe of `upstream` now and applies rise/fall (exposed for tests and for `start`). */
  async runOnce(upstream: Upstream): Promise<void> {
    const result = await this.check(
      { host: upstream.spec.host, port: upstream.spec.port },
      this.stopper.signal,
    );
    if (this.stopper.signal.aborted) return;
    this.apply(upstream, result);
  }

  apply(upstream: Upstream, result: ProbeResult): void {
    const streak = this.streakOf(upstream);
    streak.lastDetail = result.detail;
    if (result.ok) {
      streak.passes++;
      streak.failures = 0;
    } else {
      streak.failures++;
      streak.passes = 0;
    }
    // A new upstream's first result decides at once (Envoy): there is no earlier verdict to protect with rise/fall.
    if (upstream.checkPending) this.set(upstream, result.ok, result.detail);
    else if (result.ok && !upstream.checkUp && streak.passes >= this.timing.rise)
      this.set(upstream, true, result.detail);
    else if (!result.ok && upstream.checkUp && streak.failures >= this.timing.fall)
      this.set(upstream, false, result.detail);
  }

  private set(upstream: Upstream, up: boolean, detail: string): void {
    this.group.setCheckState(upstream, up);
    this.onChange?.(upstream, up, detail);
  }

  private streakOf(upstream: Upstream): Streak {
    let streak = this.streaks.get(upstream);
    if (streak === undefined) {
      streak = { passes: 0, failures: 0, timer: undefined, lastDetail: "" };
      this.streaks.set(upstream, streak);
    }
    return streak;
  }

  private schedule(upstream: Upstream, delay: number): void {
    if (this.stopper.signal.aborted) return;
    const streak = this.streakOf(upstream);
    streak.timer = setTimeout(() => {
      if (!this.group.members.includes(upstream)) return;
      this.runOnce(upstream).then(
        () => this.schedule(upstream, this.nextDelay()),
        () => this.schedule(upstream, this.nextDelay()),
      );
    }, delay);
    streak.timer.unref();
  }

  private nextDelay(): number {
    const { interval, jitter } = this.timing;
    return interval * (1 + jitter * (2 * this.random() - 1));
  }
}
