/**
 * The DNS data model shared by the wire codec (src/dns/wire), the zones (src/zones) and the server.
 * Names are absolute, in presentation form, lower case, with the trailing dot: "www.example.com.", root ".".
 * Bytes outside letters/digits/hyphen/underscore/"*" in a label are written as RFC 1035 escapes (\DDD, \.).
 */
export type Name = string;

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;
export type RRTypeName = keyof typeof RRType;

export const RRClass = { IN: 1, CH: 3, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode 16 (needs OPT): upper 8 bits go in the OPT TTL field. */
  BADVERS: 16,
} as const;

export const EdnsOption = { NSID: 3, ECS: 8, COOKIE: 10, PADDING: 12 } as const;

/** Record data, structured. Address types carry their wire bytes so the hot path never re-parses text. */
export interface RdataA {
  readonly kind: "A";
  readonly address: string;
  readonly bytes: Uint8Array; // 4 bytes
}
export interface RdataAAAA {
  readonly kind: "AAAA";
  readonly address: string; // RFC 5952 canonical text
  readonly bytes: Uint8Array; // 16 bytes
}
export interface RdataNS {
  readonly kind: "NS";
  readonly target: Name;
}
export interface RdataCNAME {
  readonly kind: "CNAME";
  readonly target: Name;
}
export interface RdataPTR {
  readonly kind: "PTR";
  readonly target: Name;
}
export interface RdataMX {
  readonly kind: "MX";
  readonly preference: number;
  readonly exchange: Name;
}
export interface RdataSOA {
  readonly kind: "SOA";
  readonly mname: Name;
  readonly rname: Name;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}
export interface RdataTXT {
  readonly kind: "TXT";
  /** Each character-string at most 255 bytes (longer input is split when parsed). */
  readonly strings: readonly Uint8Array[];
}
export interface RdataSRV {
  readonly kind: "SRV";
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: Name;
}
export interface RdataCAA {
  readonly kind: "CAA";
  readonly flags: number;
  readonly tag: string;
  readonly value: Uint8Array;
}
/** RFC 3597 generic form for any other type: `\# len hex`. */
export interface RdataUnknown {
  readonly kind: "UNKNOWN";
  readonly type: number;
  readonly data: Uint8Array;
}

export type Rdata =
  | RdataA
  | RdataAAAA
  | RdataNS
  | RdataCNAME
  | RdataPTR
  | RdataMX
  | RdataSOA
  | RdataTXT
  | RdataSRV
  | RdataCAA
  | RdataUnknown;

/** All records of one owner, type and class; rdata order is the order served. */
export interface RRset {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: readonly Rdata[];
}

/** EDNS Client Subnet (RFC 7871) as received. `address` is the full 4/16 bytes, zero padded. */
export interface ClientSubnet {
  readonly family: 1 | 2;
  readonly sourcePrefix: number;
  readonly scopePrefix: number;
  readonly address: Uint8Array;
}

export interface EdnsInfo {
  readonly udpPayloadSize: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  readonly ecs: ClientSubnet | null;
  readonly nsidRequested: boolean;
}

/** A decoded, well-formed query (one question). */
export interface Query {
  readonly id: number;
  readonly opcode: number;
  /** Raw header flags word, for echoing RD/CD. */
  readonly flags: number;
  /** The question name exactly as sent (case preserved), presentation form with trailing dot. */
  readonly qname: string;
  /** `qname` lower-cased: the lookup key. */
  readonly qnameLower: Name;
  readonly qtype: number;
  readonly qclass: number;
  readonly edns: EdnsInfo | null;
}
