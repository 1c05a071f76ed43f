import type { Balancer, Candidate } from "./balancer.ts";

/**
 * Fewest in-flight requests per unit of weight (nginx `least_conn`). Ties rotate, so idle upstreams
 * share evenly instead of the first one taking every request.
 */
export function createLeastConnections(): Balancer {
  let offset = 0;
  return {
    name: "least-connections",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const n = candidates.length;
      let best: C | undefined;
      let bestLoad = Infinity;
      for (let i = 0; i < n; i++) {
        const candidate = candidates[(offset + i) % n]!;
        const load = candidate.active / candidate.effectiveWeight;
        if (load < bestLoad) {
          best = candidate;
          bestLoad = load;
        }
      }
      offset = (offset + 1) % 0x7fffffff;
      return best;
    },
  };
}
