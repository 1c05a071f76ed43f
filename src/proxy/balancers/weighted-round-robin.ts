import type { Balancer, Candidate } from "./balancer.ts";

/**
 * nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every pick adds each candidate's
 * effective weight to its current weight, takes the largest, and subtracts the total from the winner.
 * Weights 5,1,1 give a a b a c a a — spread out, never a burst of five.
 */
export function createWeightedRoundRobin(): Balancer {
  const current = new Map<string, number>();
  return {
    name: "weighted-round-robin",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      let best: C | undefined;
      let bestWeight = -Infinity;
      let total = 0;
      for (const candidate of candidates) {
        const weight = (current.get(candidate.id) ?? 0) + candidate.effectiveWeight;
        current.set(candidate.id, weight);
        total += candidate.effectiveWeight;
        if (weight > bestWeight) {
          best = candidate;
          bestWeight = weight;
        }
      }
      if (best !== undefined) current.set(best.id, bestWeight - total);
      return best;
    },
  };
}
