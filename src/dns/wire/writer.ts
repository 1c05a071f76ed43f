/**
 * Response writing into ONE preallocated buffer, reused for every response: the view returned by
 * `finish()` is valid until the next `begin()`/`writeError()`, so the caller sends it first.
 *
 * Order of use: begin(query, tcp) → set flags/rcode/ECS scope → addRRset() section by section (answer,
 * authority, additional) → finish() (or lengthPrefixed() for TCP).
 * Truncation is per RRset: an RRset that does not fit is taken back out whole; in the answer or authority
 * section that sets TC (RFC 2181 9, RFC 1035 4.1.1) and ends the message; in the additional section it is
 * just omitted. The OPT record is reserved up front, so it is always written when the query had one.
 */
import { Buffer } from "node:buffer";
import { Rcode } from "../types.ts";
import type { ClientSubnet, Query, RRset } from "../types.ts";
import { DEFAULT_EDNS_PAYLOAD, MIN_UDP_PAYLOAD, optLength, writeOpt } from "./edns.ts";
import { NameCompressor, encodeNameText } from "./name.ts";
import { RdataError, encodeRdata, writeU16, writeU32 } from "./rdata.ts";
import type { Question, QueryError } from "./reader.ts";

export const Section = { ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 2 } as const;
export type Section = (typeof Section)[keyof typeof Section];

export const AddResult = {
  OK: 0,
  /** Did not fit in the answer or authority section: TC is set and nothing more is added. */
  TRUNCATED: 1,
  /** Did not fit in the additional section: left out, no TC (RFC 2181 9). */
  OMITTED: 2,
  /** The RRset's data cannot be encoded (bad name, TXT string > 255 bytes...): left out. */
  INVALID: 3,
  /** A section earlier than one already written, or called before begin(): left out. */
  OUT_OF_ORDER: 4,
} as const;
export type AddResult = (typeof AddResult)[keyof typeof AddResult];

export const MAX_TCP_MESSAGE = 65535;

export interface WriterOptions {
  /** Largest UDP response we send, whatever the client offers (RFC 6891 6.2.5; DNS flag day 2020: 1232). */
  readonly udpPayloadCap?: number;
  /** The UDP payload size our OPT advertises. */
  readonly ednsPayloadSize?: number;
  /** RFC 5001 name server identifier, sent when a query asks for it; null turns NSID off. */
  readonly nsid?: Uint8Array | null;
}

/** The parts of a query a reply needs: a decoded Query, or what the decoder kept of a refused one. */
interface ReplyTo {
  id: number;
  opcode: number;
  flags: number;
  question: Question | null;
  ecs: ClientSubnet | null;
  nsid: boolean;
  dnssecOk: boolean;
  hasOpt: boolean;
  udpPayload: number;
}

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_CD = 0x0010;
const PREFIX = 2; // room for the TCP length prefix, so TCP replies need no copy

export class ResponseWriter {
  private readonly buffer: Buffer;
  private readonly msg: Buffer;
  private readonly names = new NameCompressor();
  private readonly udpPayloadCap: number;
  private readonly ednsPayloadSize: number;
  private readonly nsidValue: Uint8Array | null;

  private pos = 0;
  private limit = 0;
  private flags = 0;
  private rcode = 0;
  private section = 0;
  private counts = [0, 0, 0, 0]; // question, answer, authority, additional
  private optEnd = 0;
  private hasOpt = false;
  private dnssecOk = false;
  private ecs: ClientSubnet | null = null;
  private ecsScope = 0;
  private nsidWanted = false;
  private tc = false;
  private started = false;
  private readonly reply: ReplyTo = {
    id: 0,
    opcode: 0,
    flags: 0,
    question: null,
    ecs: null,
    nsid: false,
    dnssecOk: false,
    hasOpt: false,
    udpPayload: 0,
  };

  constructor(options: WriterOptions = {}) {
    this.udpPayloadCap = Math.max(MIN_UDP_PAYLOAD, options.udpPayloadCap ?? DEFAULT_EDNS_PAYLOAD);
    this.ednsPayloadSize = Math.max(MIN_UDP_PAYLOAD, options.ednsPayloadSize ?? DEFAULT_EDNS_PAYLOAD);
    this.nsidValue = options.nsid ?? null;
    this.buffer = Buffer.allocUnsafe(PREFIX + MAX_TCP_MESSAGE);
    this.msg = this.buffer.subarray(PREFIX);
  }

  /** Starts the reply to `query`: header, the question echoed as sent, OPT space reserved. */
  begin(query: Query, tcp: boolean): void {
    const r = this.reply;
    r.id = query.id;
    r.opcode = query.opcode;
    r.flags = query.flags;
    r.question = query;
    const edns = query.edns;
    r.hasOpt = edns !== null;
    r.ecs = edns?.ecs ?? null;
    r.nsid = edns?.nsidRequested ?? false;
    r.dnssecOk = edns?.dnssecOk ?? false;
    r.udpPayload = edns?.udpPayloadSize ?? MIN_UDP_PAYLOAD;
    this.start(r, tcp);
  }

  /** The whole error reply for a query the decoder refused (FORMERR, NOTIMP, NOTAUTH, BADVERS). */
  writeError(error: QueryError, tcp: boolean): Buffer {
    const r = this.reply;
    r.id = error.id;
    r.opcode = error.opcode;
    r.flags = error.flags;
    r.question = error.question;
    r.hasOpt = error.opt !== null;
    r.ecs = null;
    r.nsid = false;
    r.dnssecOk = error.opt?.dnssecOk ?? false;
    r.udpPayload = error.opt?.udpPayloadSize ?? MIN_UDP_PAYLOAD;
    this.start(r, tcp);
    this.setRcode(error.rcode);
    return this.finish();
  }

  /** The full rcode (0-4095); values over 15 need the OPT (BADVERS), whose TTL carries the upper bits. */
  setRcode(rcode: number): void {
    this.rcode = rcode;
  }

  setAuthoritative(authoritative: boolean): void {
    this.flags = authoritative ? this.flags | FLAG_AA : this.flags & ~FLAG_AA;
  }

  /** RFC 7871 7.2.1: the prefix length the answer depends on (0 for static data, the default). */
  setEcsScope(scopePrefix: number): void {
    this.ecsScope = scopePrefix;
  }

  get truncated(): boolean {
    return this.tc;
  }

  /** Bytes still free before the size limit (OPT already reserved). */
  get remaining(): number {
    return this.limit - this.pos;
  }

  /**
   * Adds every record of `rrset` to `section`, owner `owner` when given (a wildcard's synthesised name),
   * else `rrset.name`. All or nothing.
   */
  addRRset(section: Section, rrset: RRset, owner?: string): AddResult {
    if (!this.started || section < this.section) return AddResult.OUT_OF_ORDER;
    if (this.tc) return AddResult.TRUNCATED;
    this.section = section;
    const startPos = this.pos;
    const mark = this.names.mark();
    const end = this.writeRecords(rrset, owner ?? rrset.name);
    if (end >= 0) {
      this.pos = end;
      this.counts[section + 1]! += rrset.rdata.length;
      return AddResult.OK;
    }
    this.pos = startPos;
    this.names.rollback(mark);
    if (end === RdataError.BAD_DATA) return AddResult.INVALID;
    if (section === Section.ADDITIONAL) return AddResult.OMITTED;
    this.tc = true;
    return AddResult.TRUNCATED;
  }

  /** Writes counts, flags and the OPT; returns the message (a view into the reused buffer). */
  finish(): Buffer {
    const msg = this.msg;
    let end = this.pos;
    let additional = this.counts[3]!;
    if (this.hasOpt) {
      end = writeOpt(
        msg,
        end,
        this.ednsPayloadSize,
        this.rcode,
        this.dnssecOk,
        this.ecs,
        this.ecsScope,
        this.nsidWanted ? this.nsidValue : null,
      );
      additional++;
    }
    const flags = this.flags | (this.tc ? FLAG_TC : 0) | (this.rcode & 0xf);
    writeU16(msg, 2, flags);
    writeU16(msg, 4, this.counts[0]!);
    writeU16(msg, 6, this.counts[1]!);
    writeU16(msg, 8, this.counts[2]!);
    writeU16(msg, 10, additional);
    this.optEnd = end;
    this.started = false;
    return msg.subarray(0, end);
  }

  /** After finish(): the same message behind its RFC 1035 4.2.2 / RFC 7766 two-byte length, for TCP. */
  lengthPrefixed(): Buffer {
    const length = this.optEnd;
    writeU16(this.buffer, 0, length);
    return this.buffer.subarray(0, PREFIX + length);
  }

  private start(r: ReplyTo, tcp: boolean): void {
    const msg = this.msg;
    this.names.reset();
    this.started = true;
    this.tc = false;
    this.rcode = Rcode.NOERROR;
    this.section = Section.ANSWER;
    this.counts[0] = 0;
    this.counts[1] = 0;
    this.counts[2] = 0;
    this.counts[3] = 0;
    this.hasOpt = r.hasOpt;
    this.dnssecOk = r.dnssecOk;
    this.ecs = r.ecs;
    this.ecsScope = 0;
    this.nsidWanted = r.nsid && this.nsidValue !== null;
    // QR, the opcode, RD and CD echoed (RFC 1035 4.1.1, RFC 4035 3.1.6); RA never: we do not recurse.
    this.flags = FLAG_QR | ((r.opcode & 0xf) << 11) | (r.flags & (FLAG_RD | FLAG_CD));
    writeU16(msg, 0, r.id);
    let size: number;
    if (tcp) size = MAX_TCP_MESSAGE;
    else if (r.hasOpt) size = Math.min(Math.max(r.udpPayload, MIN_UDP_PAYLOAD), this.udpPayloadCap);
    else size = MIN_UDP_PAYLOAD; // RFC 1035 4.2.1 without EDNS
    this.limit = size - (r.hasOpt ? optLength(this.ecs, this.nsidWanted ? this.nsidValue : null) : 0);
    this.pos = 12;
    const q = r.question;
    if (q !== null) this.writeQuestion(q);
  }

  /** The question as sent: the original-case name, uncompressed, then registered as a pointer target. */
  private writeQuestion(q: Question): void {
    const msg = this.msg;
    const end = encodeNameText(q.qname, msg, 12, null);
    if (end < 0 || end + 4 > this.limit) return;
    writeU16(msg, end, q.qtype);
    writeU16(msg, end + 2, q.qclass);
    this.names.registerQuestion(msg, 12, q.qnameLower);
    this.pos = end + 4;
    this.counts[0] = 1;
  }

  /** Later records of an RRset point at the first one's owner (or copy it when that is a pointer). */
  private writeRepeatedOwner(pos: number, ownerAt: number, owner: string): number {
    const msg = this.msg;
    if (pos + 2 > this.limit) return RdataError.NO_SPACE;
    if ((msg[ownerAt]! & 0xc0) === 0xc0) {
      msg[pos] = msg[ownerAt]!;
      msg[pos + 1] = msg[ownerAt + 1]!;
      return pos + 2;
    }
    if (ownerAt <= 0x3fff) {
      msg[pos] = 0xc0 | (ownerAt >>> 8);
      msg[pos + 1] = ownerAt & 0xff;
      return pos + 2;
    }
    return this.names.write(msg, pos, this.limit, owner, true, false);
  }

  /** Writes the records; returns the end or a negative error, leaving rollback to the caller. */
  private writeRecords(rrset: RRset, owner: string): number {
    const msg = this.msg;
    const limit = this.limit;
    const names = this.names;
    let pos = this.pos;
    let ownerAt = -1;
    for (const rdata of rrset.rdata) {
      if (ownerAt < 0) {
        ownerAt = pos;
        pos = names.write(msg, pos, limit, owner, true, true);
        if (pos < 0) return pos === RdataError.NO_SPACE ? pos : RdataError.BAD_DATA;
      } else {
        pos = this.writeRepeatedOwner(pos, ownerAt, owner);
        if (pos < 0) return pos;
      }
      if (pos + 10 > limit) return RdataError.NO_SPACE;
      writeU16(msg, pos, rrset.type);
      writeU16(msg, pos + 2, rrset.class);
      writeU32(msg, pos + 4, rrset.ttl);
      const rdataStart = pos + 10;
      const end = encodeRdata(msg, rdataStart, limit, rdata, names);
      if (end < 0) return end;
      writeU16(msg, pos + 8, end - rdataStart);
      pos = end;
    }
    return pos;
  }
}
