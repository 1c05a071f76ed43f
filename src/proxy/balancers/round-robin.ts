import type { Balancer, Candidate } from "./balancer.ts";

/** Plain rotation, blind to weights: CoreDNS forward's `round_robin`. */
export function createRoundRobin(): Balancer {
  let next = 0;
  return {
    name: "round-robin",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const chosen = candidates[next % candidates.length];
      next = (next + 1) % 0x7fffffff;
      return chosen;
    },
  };
}
