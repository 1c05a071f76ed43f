/** Small integer hashes for stickiness: stable across processes and restarts (no per-process seed). */

/** FNV-1a over a string, 32-bit. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a over the first `prefix` bits of an address (the rest treated as zero), family mixed in. */
export function hashPrefix(bytes: Uint8Array, prefix: number): number {
  let h = 0x811c9dc5 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const keep = prefix - i * 8;
    const byte = keep >= 8 ? bytes[i]! : keep <= 0 ? 0 : bytes[i]! & (0xff << (8 - keep));
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= prefix;
  return Math.imul(h, 0x01000193) >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the output. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A hash as a float strictly inside (0, 1). */
export function unitInterval(hash: number): number {
  return (hash + 0.5) / 4294967296;
}
