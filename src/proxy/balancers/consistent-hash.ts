import type { Balancer, Candidate, PickRequest } from "./balancer.ts";
import { fnv1a32 } from "./hash.ts";

/** A prime table size: each upstream's permutation then visits every slot. 65537 gives < 1 % imbalance. */
export const MAGLEV_TABLE_SIZE = 65537;
const KEPT_TABLES = 8;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016; Envoy's `MAGLEV`) on the route's hash key (a header,
 * cookie or the path; the client address when the key is empty). When one upstream leaves, only the keys it
 * held move. Weighted: an upstream fills table slots in proportion to its weight. Tables are built only
 * when the candidate set changes, and the last few are kept, so a flapping upstream does not rebuild per request.
 */
export function createConsistentHash(tableSize = MAGLEV_TABLE_SIZE): Balancer {
  const tables = new Map<string, Int32Array>();
  return {
    name: "consistent-hash",
    pick<C extends Candidate>(candidates: readonly C[], request: PickRequest): C | undefined {
      const signature = candidates.map((c) => `${c.id}*${c.weight}`).join(",");
      let table = tables.get(signature);
      if (table === undefined) {
        table = buildMaglevTable(candidates, tableSize);
        if (tables.size >= KEPT_TABLES) tables.delete(tables.keys().next().value!);
        tables.set(signature, table);
      }
      const key = request.hashKey === "" ? request.clientIp : request.hashKey;
      return candidates[table[fnv1a32(key) % tableSize]!];
    },
  };
}

export function buildMaglevTable(candidates: readonly Candidate[], size: number): Int32Array {
  const table = new Int32Array(size).fill(-1);
  const offsets = candidates.map((c) => fnv1a32(c.id) % size);
  const skips = candidates.map((c) => (fnv1a32(c.id, 0x9747b28c) % (size - 1)) + 1);
  const next = candidates.map(() => 0);
  const filled = candidates.map(() => 0);
  const maxWeight = Math.max(...candidates.map((c) => c.weight));
  let placed = 0;
  for (let round = 1; placed < size; round++) {
    for (let i = 0; i < candidates.length && placed < size; i++) {
      // Weighted Maglev: an upstream takes a turn only while it is below its weighted share of the rounds.
      if (filled[i]! * maxWeight >= round * candidates[i]!.weight) continue;
      let slot = (offsets[i]! + next[i]! * skips[i]!) % size;
      while (table[slot] !== -1) {
        next[i]!++;
        slot = (offsets[i]! + next[i]! * skips[i]!) % size;
      }
      table[slot] = i;
      next[i]!++;
      filled[i]!++;
      placed++;
    }
  }
  return table;
}
