/**
 * DNS messages written byte by byte for tests, without our codec (which is what is under test): no checks, so
 * tests can write bad names, counts and records.
 */

export const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];

/** "www.example.com." → length-prefixed labels and the root byte; no checks, so tests can write bad names. */
export function name(text: string): number[] {
  const labels = text.split(".").filter((l) => l !== "");
  return [...labels.flatMap((l) => [l.length, ...Buffer.from(l, "latin1")]), 0];
}

export interface HeaderSpec {
  readonly id: number;
  /** The second 16 bits: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE. Default: RD only. */
  readonly flags?: number | undefined;
  readonly qd?: number | undefined;
  readonly an?: number | undefined;
  readonly ns?: number | undefined;
  readonly ar?: number | undefined;
}

export function header(h: HeaderSpec): number[] {
  return [
    ...u16(h.id),
    ...u16(h.flags ?? 0x0100),
    ...u16(h.qd ?? 1),
    ...u16(h.an ?? 0),
    ...u16(h.ns ?? 0),
    ...u16(h.ar ?? 0),
  ];
}

export function question(qname: string, qtype = 1, qclass = 1): number[] {
  return [...name(qname), ...u16(qtype), ...u16(qclass)];
}

/** One EDNS option: code, length, data. */
export function option(code: number, data: readonly number[]): number[] {
  return [...u16(code), ...u16(data.length), ...data];
}

/** ECS (RFC 7871 6): family, source prefix, scope prefix, address bytes as given (even when wrong). */
export function ecs(family: number, source: number, scope: number, address: readonly number[]): number[] {
  return option(8, [...u16(family), source, scope, ...address]);
}

export interface OptSpec {
  readonly owner?: readonly number[] | undefined;
  readonly payload?: number | undefined;
  readonly version?: number | undefined;
  readonly dnssecOk?: boolean | undefined;
  /** The options' bytes, as `option` and `ecs` write them. */
  readonly options?: readonly number[] | undefined;
}

/** An OPT pseudo-record (RFC 6891 6.1.2). */
export function opt(spec: OptSpec = {}): number[] {
  const rdata = spec.options ?? [];
  const flags = spec.dnssecOk === true ? 0x80 : 0;
  return [
    ...(spec.owner ?? [0]),
    ...u16(41),
    ...u16(spec.payload ?? 1232),
    0,
    spec.version ?? 0,
    flags,
    0,
    ...u16(rdata.length),
    ...rdata,
  ];
}

/** A plain query: header + question (+ one OPT when given). */
export function query(id: number, qname: string, qtype = 1, edns?: OptSpec): Buffer {
  return Buffer.from([
    ...header({ id, ar: edns === undefined ? 0 : 1 }),
    ...question(qname, qtype),
    ...(edns === undefined ? [] : opt(edns)),
  ]);
}
