import { lowestCost, type Balancer, type Candidate } from "./balancer.ts";

/**
 * Least response time with peak EWMA (Finagle, Linkerd): cost = (latency + 1 ms) × (in flight + 1) / weight.
 * The pool keeps the EWMA "peak-sensitive" (a slow response raises it at once, fast ones lower it slowly);
 * the +1 terms let an unmeasured or idle upstream still be compared. Ties rotate.
 */
export function createLeastResponseTime(): Balancer {
  let offset = 0;
  return {
    name: "least-response-time",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const best = lowestCost(candidates, offset, costOf);
      offset = (offset + 1) % 0x7fffffff;
      return best;
    },
  };
}

function costOf(candidate: Candidate): number {
  return ((candidate.ewmaMs + 1) * (candidate.active + 1)) / candidate.effectiveWeight;
}
