import type { Balancer, Candidate, RandomSource } from "./balancer.ts";
import { weightedSlot } from "./hash.ts";

/** Weighted random: each candidate's chance is its effective weight over the total (CoreDNS `random`). */
export function createRandom(random: RandomSource): Balancer {
  return {
    name: "random",
    pick(candidates: readonly Candidate[]): Candidate | undefined {
      let total = 0;
      for (const candidate of candidates) total += candidate.effectiveWeight;
      return candidates[weightedSlot(candidates.map(effectiveWeight), random() * total)];
    },
  };
}

function effectiveWeight(candidate: Candidate): number {
  return candidate.effectiveWeight;
}
