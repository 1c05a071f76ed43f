/**
 * IP address text ⇄ bytes, without exceptions (the query path calls these). IPv4-mapped IPv6 addresses
 * (`::ffff:a.b.c.d`, what a dual-stack socket reports for an IPv4 peer) are normalised to IPv4.
 */
export interface IpBytes {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

export function parseIp(text: string): IpBytes | null {
  if (text.includes(":")) {
    const v6 = parseIpv6(text);
    if (v6 === null) return null;
    return isV4Mapped(v6) ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
  }
  const v4 = parseIpv4(text);
  return v4 === null ? null : { family: 4, bytes: v4 };
}

export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

export function parseIpv6(text: string): Uint8Array | null {
  const zone = text.indexOf("%");
  const body = zone === -1 ? text : text.slice(0, zone);
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : [];
  const groups: number[] = [];
  const pushGroups = (parts: readonly string[], allowV4Last: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (allowV4Last && i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (v4 === null) return false;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
        groups.push(parseInt(part, 16));
      }
    }
    return true;
  };
  if (!pushGroups(head, halves.length === 1)) return null;
  const headCount = groups.length;
  if (!pushGroups(tail, true)) return null;
  const tailGroups = groups.splice(headCount);
  const missing = 8 - groups.length - tailGroups.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  for (let i = 0; i < missing; i++) groups.push(0);
  groups.push(...tailGroups);
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  return out;
}

/** The first 96 bits are `::ffff:0:0/96` (RFC 4291 §2.5.5.2). */
export function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Presentation text: dotted quad, or eight uncompressed hex groups (enough for a database lookup). */
export function formatIp(family: 4 | 6, bytes: Uint8Array): string {
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  let text = "";
  for (let i = 0; i < 16; i += 2) {
    if (i > 0) text += ":";
    text += ((bytes[i]! << 8) | bytes[i + 1]!).toString(16);
  }
  return text;
}

/** A copy of `bytes` with every bit past `prefix` cleared. */
export function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  const full = prefix >> 3;
  for (let i = 0; i < full && i < bytes.length; i++) out[i] = bytes[i]!;
  const rest = prefix & 7;
  if (rest !== 0 && full < bytes.length) out[full] = bytes[full]! & (0xff << (8 - rest));
  return out;
}

/** Number of leading bits two equal-length addresses share. */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const diff = a[i]! ^ b[i]!;
    if (diff !== 0) return i * 8 + Math.clz32(diff) - 24;
  }
  return a.length * 8;
}
