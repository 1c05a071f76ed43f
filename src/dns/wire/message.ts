/**
 * A full, strict message decoder for tests, tooling and the DNS health probe (not the query hot path):
 * header, questions, every section's records and the OPT. Never throws; a malformed message is an outcome.
 */
import { RRType } from "../types.ts";
import type { Name, Rdata, RRset } from "../types.ts";
import { newNameSink, readName } from "./name.ts";
import { copyBytes, decodeRdata, readU16, readU32 } from "./rdata.ts";
import { HEADER_LENGTH } from "./reader.ts";

export interface DecodedQuestion {
  /** Case as sent. */
  readonly qname: string;
  readonly qnameLower: Name;
  readonly qtype: number;
  readonly qclass: number;
}

export interface DecodedRecord {
  /** Lower case. */
  readonly name: Name;
  /** The owner as on the wire (case preserved, e.g. a 0x20 echo). */
  readonly ownerText: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: Rdata;
}

export interface DecodedOption {
  readonly code: number;
  readonly data: Uint8Array;
}

/** ECS as found in any message (a response's scope may be non-zero); the address as sent, unpadded. */
export interface DecodedClientSubnet {
  readonly family: number;
  readonly sourcePrefix: number;
  readonly scopePrefix: number;
  readonly address: Uint8Array;
}

export interface DecodedOpt {
  readonly udpPayloadSize: number;
  /** The OPT TTL's upper 8 bits (RFC 6891 6.1.3), not yet combined with the header's 4. */
  readonly extendedRcode: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  readonly options: readonly DecodedOption[];
  readonly ecs: DecodedClientSubnet | null;
  readonly nsid: Uint8Array | null;
}

export interface DecodedMessage {
  readonly kind: "message";
  readonly id: number;
  readonly flags: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** The full rcode: header bits plus the OPT's extended bits. */
  readonly rcode: number;
  readonly questions: readonly DecodedQuestion[];
  readonly answer: readonly DecodedRecord[];
  readonly authority: readonly DecodedRecord[];
  /** Without the OPT, which is in `opt`. */
  readonly additional: readonly DecodedRecord[];
  readonly opt: DecodedOpt | null;
}

export interface MalformedMessage {
  readonly kind: "malformed";
  readonly reason: string;
  readonly offset: number;
}

export type MessageOutcome = DecodedMessage | MalformedMessage;

class Malformed {
  readonly reason: string;
  readonly offset: number;
  constructor(reason: string, offset: number) {
    this.reason = reason;
    this.offset = offset;
  }
}

const sink = newNameSink();

function readQuestions(
  msg: Uint8Array,
  pos: number,
  count: number,
  out: DecodedQuestion[],
): number | Malformed {
  for (let i = 0; i < count; i++) {
    const end = readName(msg, pos, sink);
    if (end < 0) return new Malformed(`question ${i}: bad name (${end})`, pos);
    if (end + 4 > msg.length) return new Malformed(`question ${i}: truncated`, pos);
    const qname = sink.text;
    out.push({
      qname,
      qnameLower: sink.hasUpper ? qname.toLowerCase() : qname,
      qtype: readU16(msg, end),
      qclass: readU16(msg, end + 2),
    });
    pos = end + 4;
  }
  return pos;
}

interface RawRecord {
  readonly ownerText: string;
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdataAt: number;
  readonly rdataLength: number;
}

function readRecordHeader(msg: Uint8Array, pos: number, label: string): RawRecord | Malformed {
  const afterName = readName(msg, pos, sink);
  if (afterName < 0) return new Malformed(`${label}: bad owner name (${afterName})`, pos);
  if (afterName + 10 > msg.length) return new Malformed(`${label}: truncated header`, afterName);
  const rdataLength = readU16(msg, afterName + 8);
  if (afterName + 10 + rdataLength > msg.length)
    return new Malformed(`${label}: RDATA past the end`, afterName);
  return {
    ownerText: sink.text,
    name: sink.hasUpper ? sink.text.toLowerCase() : sink.text,
    type: readU16(msg, afterName),
    class: readU16(msg, afterName + 2),
    ttl: readU32(msg, afterName + 4),
    rdataAt: afterName + 10,
    rdataLength,
  };
}

function decodeOptions(msg: Uint8Array, pos: number, end: number): DecodedOption[] | Malformed {
  const options: DecodedOption[] = [];
  while (pos < end) {
    if (pos + 4 > end) return new Malformed("OPT option header", pos);
    const length = readU16(msg, pos + 2);
    if (pos + 4 + length > end) return new Malformed("OPT option length", pos);
    options.push({ code: readU16(msg, pos), data: copyBytes(msg, pos + 4, pos + 4 + length) });
    pos += 4 + length;
  }
  return options;
}

function decodeEcs(data: Uint8Array): DecodedClientSubnet | Malformed {
  if (data.length < 4) return new Malformed("ECS option too short", 0);
  return {
    family: readU16(data, 0),
    sourcePrefix: data[2]!,
    scopePrefix: data[3]!,
    address: copyBytes(data, 4),
  };
}

function decodeOpt(msg: Uint8Array, raw: RawRecord): DecodedOpt | Malformed {
  if (raw.name !== ".") return new Malformed("OPT owner is not the root", raw.rdataAt);
  const options = decodeOptions(msg, raw.rdataAt, raw.rdataAt + raw.rdataLength);
  if (options instanceof Malformed) return options;
  const ecsOption = options.find((o) => o.code === 8);
  const ecs = ecsOption === undefined ? null : decodeEcs(ecsOption.data);
  if (ecs instanceof Malformed) return ecs;
  return {
    udpPayloadSize: raw.class,
    extendedRcode: raw.ttl >>> 24,
    version: (raw.ttl >>> 16) & 0xff,
    dnssecOk: (raw.ttl & 0x8000) !== 0,
    options,
    ecs,
    nsid: options.find((o) => o.code === 3)?.data ?? null,
  };
}

interface Sections {
  answer: DecodedRecord[];
  authority: DecodedRecord[];
  additional: DecodedRecord[];
  opt: DecodedOpt | null;
}

function readSection(
  msg: Uint8Array,
  pos: number,
  count: number,
  section: 0 | 1 | 2,
  into: Sections,
): number | Malformed {
  const names = ["answer", "authority", "additional"] as const;
  const out = into[names[section]];
  for (let i = 0; i < count; i++) {
    const label = `${names[section]} ${i}`;
    const raw = readRecordHeader(msg, pos, label);
    if (raw instanceof Malformed) return raw;
    pos = raw.rdataAt + raw.rdataLength;
    if (raw.type === RRType.OPT) {
      // RFC 6891 6.1.1: one OPT, in the additional section.
      if (section !== 2 || into.opt !== null)
        return new Malformed(`${label}: misplaced or second OPT`, raw.rdataAt);
      const opt = decodeOpt(msg, raw);
      if (opt instanceof Malformed) return opt;
      into.opt = opt;
      continue;
    }
    const rdata = decodeRdata(msg, raw.rdataAt, raw.rdataLength, raw.type);
    if (typeof rdata === "string") return new Malformed(`${label}: ${rdata}`, raw.rdataAt);
    out.push({
      name: raw.name,
      ownerText: raw.ownerText,
      type: raw.type,
      class: raw.class,
      ttl: raw.ttl,
      rdata,
    });
  }
  return pos;
}

function decode(msg: Uint8Array): DecodedMessage | Malformed {
  if (msg.length < HEADER_LENGTH) return new Malformed("shorter than a header", 0);
  const flags = readU16(msg, 2);
  const questions: DecodedQuestion[] = [];
  let pos = readQuestions(msg, HEADER_LENGTH, readU16(msg, 4), questions);
  if (pos instanceof Malformed) return pos;
  const sections: Sections = { answer: [], authority: [], additional: [], opt: null };
  for (const section of [0, 1, 2] as const) {
    const next: number | Malformed = readSection(msg, pos, readU16(msg, 6 + 2 * section), section, sections);
    if (next instanceof Malformed) return next;
    pos = next;
  }
  if (pos !== msg.length) return new Malformed(`${msg.length - pos} bytes after the last record`, pos);
  return {
    kind: "message",
    id: readU16(msg, 0),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: (flags & 0xf) | ((sections.opt?.extendedRcode ?? 0) << 4),
    questions,
    answer: sections.answer,
    authority: sections.authority,
    additional: sections.additional,
    opt: sections.opt,
  };
}

/** Decodes a whole message strictly (trailing bytes are malformed). Never throws. */
export function decodeMessage(msg: Uint8Array): MessageOutcome {
  const result = decode(msg);
  if (result instanceof Malformed) return { kind: "malformed", reason: result.reason, offset: result.offset };
  return result;
}

/** Groups records into RRsets (owner, type, class), in order of first appearance; TTL of the first. */
export function toRRsets(records: readonly DecodedRecord[]): RRset[] {
  const sets: { name: Name; type: number; class: number; ttl: number; rdata: Rdata[] }[] = [];
  for (const r of records) {
    const set = sets.find((s) => s.name === r.name && s.type === r.type && s.class === r.class);
    if (set === undefined)
      sets.push({ name: r.name, type: r.type, class: r.class, ttl: r.ttl, rdata: [r.rdata] });
    else set.rdata.push(r.rdata);
  }
  return sets;
}
