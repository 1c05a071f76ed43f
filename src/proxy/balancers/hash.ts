/** FNV-1a, 32 bits: fast, dependency-free and stable across processes (so every proxy hashes alike). */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche (murmur3 fmix32): FNV alone clusters on keys that differ only in their last character.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Index of the slot that `point` (in [0, total)) falls into, walking the cumulative weights. */
export function weightedSlot(weights: readonly number[], point: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]!;
    if (point < acc) return i;
  }
  return weights.length - 1;
}
