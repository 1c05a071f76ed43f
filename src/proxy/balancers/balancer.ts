/**
 * A balancer only picks (STYLE §6): the upstream pool owns lifecycle, health, draining and slow start, and
 * hands the balancer the candidates that may take a new request right now, with their live figures.
 */
export interface Candidate {
  /** Stable id of the upstream, e.g. "10.0.0.1:8080". */
  readonly id: string;
  /** Configured weight (>= 1). */
  readonly weight: number;
  /** Weight after slow start and passive-health adjustments (0 < effectiveWeight <= weight). */
  readonly effectiveWeight: number;
  /** Requests in flight to this upstream now. */
  readonly active: number;
  /** Peak-EWMA response time in ms (0 when not measured yet). */
  readonly ewmaMs: number;
}

export interface PickRequest {
  /** The client's address (after trusted X-Forwarded-For handling). */
  readonly clientIp: string;
  /** The value the route hashes on (header, cookie or path), when the balancer is a hash balancer. */
  readonly hashKey: string;
}

export interface Balancer {
  readonly name: string;
  /**
   * Choose one of `candidates` (never empty), or undefined when none fits. Must not mutate the array.
   * Generic so the pool gets back its own upstream object, not a copy.
   */
  pick<C extends Candidate>(candidates: readonly C[], request: PickRequest): C | undefined;
}

/** Injected randomness, so tests assert exact sequences. Returns a float in [0, 1). */
export type RandomSource = () => number;

/**
 * The lowest-cost candidate, scanning from a rotating start so that ties go round instead of to the first one
 * (least-connections, least-response-time). Call it with a new `start` per pick.
 */
export function lowestCost<C extends Candidate>(
  candidates: readonly C[],
  start: number,
  cost: (candidate: C) => number,
): C | undefined {
  const n = candidates.length;
  let best: C | undefined;
  let bestCost = Infinity;
  for (let i = 0; i < n; i++) {
    const candidate = candidates[(start + i) % n]!;
    const value = cost(candidate);
    if (value < bestCost) {
      best = candidate;
      bestCost = value;
    }
  }
  return best;
}
