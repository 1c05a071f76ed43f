/** Hand-built DNS packets for the wire tests: every field settable, so malformed packets are easy to write. */
import { Buffer } from "node:buffer";
import { nameToWire } from "../../../src/dns/wire/name.ts";

export interface OptSpec {
  readonly payload?: number;
  readonly version?: number;
  readonly dnssecOk?: boolean;
  readonly options?: readonly (readonly [code: number, data: readonly number[]])[];
  /** Owner name bytes (default: the root). */
  readonly owner?: readonly number[];
}

export interface QuerySpec {
  readonly id?: number;
  readonly flags?: number;
  readonly qname?: string;
  readonly qtype?: number;
  readonly qclass?: number;
  /** Raw question bytes instead of qname/qtype/qclass. */
  readonly question?: readonly number[];
  readonly qdcount?: number;
  readonly ancount?: number;
  readonly nscount?: number;
  readonly arcount?: number;
  readonly opts?: readonly OptSpec[];
  /** Raw bytes after the question (and after the OPT records). */
  readonly tail?: readonly number[];
}

export function u16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}

export function optRecord(spec: OptSpec = {}): number[] {
  const rdata = (spec.options ?? []).flatMap(([code, data]) => [...u16(code), ...u16(data.length), ...data]);
  return [
    ...(spec.owner ?? [0]),
    ...u16(41),
    ...u16(spec.payload ?? 1232),
    0,
    spec.version ?? 0,
    spec.dnssecOk === true ? 0x80 : 0,
    0,
    ...u16(rdata.length),
    ...rdata,
  ];
}

/** ECS option data: family, source prefix, scope prefix, address bytes as given. */
export function ecsOption(family: number, source: number, scope: number, address: readonly number[]): [number, number[]] {
  return [8, [...u16(family), source, scope, ...address]];
}

export function wireName(text: string): number[] {
  const wire = nameToWire(text);
  if (wire === null) throw new Error(`test name ${text} is not a name`);
  return [...wire];
}

export function buildQuery(spec: QuerySpec = {}): Buffer {
  const question = spec.question ?? [
    ...wireName(spec.qname ?? "www.example.com."),
    ...u16(spec.qtype ?? 1),
    ...u16(spec.qclass ?? 1),
  ];
  const opts = (spec.opts ?? []).flatMap((o) => optRecord(o));
  const header = [
    ...u16(spec.id ?? 0x1234),
    ...u16(spec.flags ?? 0x0100),
    ...u16(spec.qdcount ?? 1),
    ...u16(spec.ancount ?? 0),
    ...u16(spec.nscount ?? 0),
    ...u16(spec.arcount ?? (spec.opts ?? []).length),
  ];
  return Buffer.from([...header, ...question, ...opts, ...(spec.tail ?? [])]);
}
