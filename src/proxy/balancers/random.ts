import type { Balancer, Candidate, RandomSource } from "./balancer.ts";

/** Weighted random: each candidate's chance is its effective weight over the total (CoreDNS `random`). */
export function createRandom(random: RandomSource): Balancer {
  return {
    name: "random",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      let total = 0;
      for (const candidate of candidates) total += candidate.effectiveWeight;
      let point = random() * total;
      for (const candidate of candidates) {
        point -= candidate.effectiveWeight;
        if (point < 0) return candidate;
      }
      return candidates[candidates.length - 1];
    },
  };
}
