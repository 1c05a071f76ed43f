import { lowestCost, type Balancer, type Candidate } from "./balancer.ts";

/**
 * Fewest in-flight requests per unit of weight (nginx `least_conn`). Ties rotate, so idle upstreams
 * share evenly instead of the first one taking every request.
 */
export function createLeastConnections(): Balancer {
  let offset = 0;
  return {
    name: "least-connections",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const best = lowestCost(candidates, offset, loadOf);
      offset = (offset + 1) % 0x7fffffff;
      return best;
    },
  };
}

function loadOf(candidate: Candidate): number {
  return candidate.active / candidate.effectiveWeight;
}
