/** Hand-built DNS packets for the wire tests: every field settable, so malformed packets are easy to write. */
import { Buffer } from "node:buffer";
import { nameToWire } from "../../../src/dns/wire/name.ts";
import { header, opt, option, u16 } from "../../helpers/dns-bytes.ts";

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

export function optRecord(spec: OptSpec = {}): number[] {
  return opt({ ...spec, options: (spec.options ?? []).flatMap(([code, data]) => option(code, data)) });
}

/** ECS option data: family, source prefix, scope prefix, address bytes as given. */
export function ecsOption(
  family: number,
  source: number,
  scope: number,
  address: readonly number[],
): [number, number[]] {
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
  const head = header({
    id: spec.id ?? 0x1234,
    flags: spec.flags,
    qd: spec.qdcount,
    an: spec.ancount,
    ns: spec.nscount,
    ar: spec.arcount ?? (spec.opts ?? []).length,
  });
  return Buffer.from([...head, ...question, ...opts, ...(spec.tail ?? [])]);
}
