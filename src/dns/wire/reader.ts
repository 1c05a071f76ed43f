/**
 * Query decoding: one pass over the packet, a flat list of guard clauses in NSD's order (query.c
 * `query_process`), each citing its RFC. Never throws: the outcome is a drop, an error to answer with, or
 * a Query. Rcodes match NSD 4.6 on the same packets (probed; see test/dns/wire/reader.test.ts).
 */
import { Opcode, Rcode, RRType } from "../types.ts";
import type { ClientSubnet, EdnsInfo, Query } from "../types.ts";
import { DO_BIT, MIN_UDP_PAYLOAD, parseOptions } from "./edns.ts";
import type { OptionsFailure, ParsedOptions } from "./edns.ts";
import { NameError, newNameSink, readName } from "./name.ts";
import { readU16 } from "./rdata.ts";

export const HEADER_LENGTH = 12;
/** RFC 8945 5.2: TSIG from a key we do not know (we know none) is NOTAUTH. */
export const RCODE_NOTAUTH = 9;
const TYPE_TSIG = 250;
const FLAG_QR = 0x8000;

export type DropReason = "short" | "response";

export interface Drop {
  readonly kind: "drop";
  readonly reason: DropReason;
}

export type ErrorReason =
  | "opcode"
  | "qdcount"
  | "bad name"
  | "truncated question"
  | "answer or authority in query"
  | "truncated record"
  | "two OPT"
  | "OPT not at root"
  | "unexpected additional record"
  | "TSIG"
  | "EDNS version"
  | OptionsFailure;

export interface Question {
  /** As sent, case preserved, presentation form. */
  readonly qname: string;
  /** Lower case: the lookup key, and the owner most answers compress to a pointer to. */
  readonly qnameLower: string;
  readonly qtype: number;
  readonly qclass: number;
}

/** What a reply to a query we refuse to process needs. */
export interface QueryError {
  readonly kind: "error";
  /** FORMERR, NOTIMP, NOTAUTH or BADVERS (16, needs the OPT). */
  readonly rcode: number;
  readonly reason: ErrorReason;
  readonly id: number;
  readonly opcode: number;
  /** The query's raw flags word (RD and CD are echoed). */
  readonly flags: number;
  /** The question, when there was exactly one and it parsed. */
  readonly question: Question | null;
  /** Set when the query had an OPT record: the reply carries one too (RFC 6891 7). */
  readonly opt: { readonly udpPayloadSize: number; readonly dnssecOk: boolean } | null;
}

export interface DecodedQuery extends Query {
  readonly kind: "query";
}

export type DecodeOutcome = Drop | QueryError | DecodedQuery;

const DROP_SHORT: Drop = Object.freeze({ kind: "drop", reason: "short" });
const DROP_RESPONSE: Drop = Object.freeze({ kind: "drop", reason: "response" });

/** Per-call state, reused: decodeQuery is not re-entrant (it never awaits) and keeps no reference. */
const sink = newNameSink();
const options: ParsedOptions = { ecs: null, nsidRequested: false };

interface OptState {
  seen: boolean;
  payload: number;
  dnssecOk: boolean;
  version: number;
  ecs: ClientSubnet | null;
  nsidRequested: boolean;
}
const opt: OptState = {
  seen: false,
  payload: 0,
  dnssecOk: false,
  version: 0,
  ecs: null,
  nsidRequested: false,
};

function fail(rcode: number, reason: ErrorReason, msg: Uint8Array, question: Question | null): QueryError {
  const flags = readU16(msg, 2);
  return {
    kind: "error",
    rcode,
    reason,
    id: readU16(msg, 0),
    opcode: (flags >>> 11) & 0xf,
    flags,
    question,
    opt: opt.seen ? { udpPayloadSize: opt.payload, dnssecOk: opt.dnssecOk } : null,
  };
}

/** Parses the question at offset 12 into `sink`; returns the offset after it, or a negative code. */
function readQuestion(msg: Uint8Array): number {
  const end = readName(msg, HEADER_LENGTH, sink);
  if (end < 0) return end;
  if (end + 4 > msg.length) return NameError.TRUNCATED;
  return end + 4;
}

function questionAt(msg: Uint8Array, qname: string, qnameLower: string, end: number): Question {
  return { qname, qnameLower, qtype: readU16(msg, end - 4), qclass: readU16(msg, end - 2) };
}

/** Skips one RR at `pos` (any owner, any type) and returns its end, or -1. */
function skipRecord(msg: Uint8Array, pos: number): number {
  const afterName = readName(msg, pos, sink);
  if (afterName < 0 || afterName + 10 > msg.length) return -1;
  const end = afterName + 10 + readU16(msg, afterName + 8);
  return end > msg.length ? -1 : end;
}

/** RFC 8945 4.2 TSIG RDATA layout: algorithm, time (48 bits), fudge, MAC, original id, error, other. */
function tsigWellFormed(msg: Uint8Array, pos: number, end: number): boolean {
  const afterAlgorithm = readName(msg.subarray(0, end), pos, sink);
  if (afterAlgorithm < 0 || afterAlgorithm + 10 > end) return false;
  const afterMac = afterAlgorithm + 10 + readU16(msg, afterAlgorithm + 8);
  if (afterMac + 6 > end) return false;
  return afterMac + 6 + readU16(msg, afterMac + 4) === end;
}

/** Reads the OPT at `afterName` (its fixed part and options) into `opt`. */
function readOpt(msg: Uint8Array, afterName: number, rdataEnd: number): OptionsFailure | null {
  opt.seen = true;
  opt.payload = Math.max(MIN_UDP_PAYLOAD, readU16(msg, afterName + 2)); // RFC 6891 6.2.5
  opt.version = msg[afterName + 5]!;
  opt.dnssecOk = (readU16(msg, afterName + 6) & DO_BIT) !== 0;
  // RFC 6891 6.1.3: an unknown version's options have an unknown layout; only BADVERS is owed.
  if (opt.version !== 0) return null;
  const failure = parseOptions(msg, afterName + 10, rdataEnd, options);
  opt.ecs = options.ecs;
  opt.nsidRequested = options.nsidRequested;
  return failure;
}

/**
 * Walks the additional section. Returns null when it holds at most one well-formed OPT and nothing else,
 * or the error to answer with.
 */
function readAdditional(
  msg: Uint8Array,
  pos: number,
  count: number,
  qname: string,
  qnameLower: string,
  questionEnd: number,
): QueryError | null {
  for (let i = 0; i < count; i++) {
    const afterName = readName(msg, pos, sink);
    if (afterName < 0 || afterName + 10 > msg.length)
      return fail(Rcode.FORMERR, "truncated record", msg, questionAt(msg, qname, qnameLower, questionEnd));
    const type = readU16(msg, afterName);
    const rdataEnd = afterName + 10 + readU16(msg, afterName + 8);
    if (rdataEnd > msg.length)
      return fail(Rcode.FORMERR, "truncated record", msg, questionAt(msg, qname, qnameLower, questionEnd));
    if (type === RRType.OPT) {
      // RFC 6891 6.1.1: more than one OPT RR is a FORMERR.
      if (opt.seen)
        return fail(Rcode.FORMERR, "two OPT", msg, questionAt(msg, qname, qnameLower, questionEnd));
      const failure = readOpt(msg, afterName, rdataEnd);
      // RFC 6891 6.1.2: the OPT's owner MUST be the root; NSD does not take it as EDNS and fails the query.
      if (afterName !== pos + 1)
        return fail(Rcode.FORMERR, "OPT not at root", msg, questionAt(msg, qname, qnameLower, questionEnd));
      // RFC 6891 6.1.2 (option lengths) and RFC 7871 7.1.1 (a malformed ECS) are FORMERR.
      if (failure !== null)
        return fail(Rcode.FORMERR, failure, msg, questionAt(msg, qname, qnameLower, questionEnd));
    } else if (type === TYPE_TSIG) {
      // RFC 8945 5.2: we hold no keys, so a well-formed TSIG is NOTAUTH; a malformed one FORMERR (as NSD).
      const rcode = tsigWellFormed(msg, afterName + 10, rdataEnd) ? RCODE_NOTAUTH : Rcode.FORMERR;
      return fail(rcode, "TSIG", msg, questionAt(msg, qname, qnameLower, questionEnd));
    } else {
      // NSD: anything in the additional section other than OPT and TSIG makes the query malformed.
      return fail(
        Rcode.FORMERR,
        "unexpected additional record",
        msg,
        questionAt(msg, qname, qnameLower, questionEnd),
      );
    }
    pos = rdataEnd;
  }
  return null;
}

/** For a reply we will not process (NOTIMP): find the OPT, if any, so the reply can carry one. */
function scanForOpt(msg: Uint8Array, pos: number): void {
  const skipped = readU16(msg, 6) + readU16(msg, 8);
  const additional = readU16(msg, 10);
  for (let i = 0; i < skipped + additional && pos >= 0; i++) {
    const afterName = readName(msg, pos, sink);
    const end = skipRecord(msg, pos);
    if (end < 0) return;
    if (i >= skipped && readU16(msg, afterName) === RRType.OPT && afterName === pos + 1) {
      readOpt(msg, afterName, end);
      return;
    }
    pos = end;
  }
}

function ednsInfo(): EdnsInfo | null {
  if (!opt.seen) return null;
  return {
    udpPayloadSize: opt.payload,
    version: opt.version,
    dnssecOk: opt.dnssecOk,
    ecs: opt.ecs,
    nsidRequested: opt.nsidRequested,
  };
}

function notImplemented(msg: Uint8Array, qdcount: number): QueryError {
  const end = qdcount === 1 ? readQuestion(msg) : -1;
  if (end < 0) return fail(Rcode.NOTIMP, "opcode", msg, null);
  const qname = sink.text;
  const qnameLower = sink.hasUpper ? qname.toLowerCase() : qname;
  scanForOpt(msg, end);
  return fail(Rcode.NOTIMP, "opcode", msg, questionAt(msg, qname, qnameLower, end));
}

/** Decodes one query message. Never throws, for any input. */
export function decodeQuery(msg: Uint8Array): DecodeOutcome {
  opt.seen = false;
  opt.ecs = null;
  opt.nsidRequested = false;
  // RFC 1035 4.1.1: nothing can be answered without a whole header.
  if (msg.length < HEADER_LENGTH) return DROP_SHORT;
  const flags = readU16(msg, 2);
  // RFC 1035 4.1.1 QR: a response is never answered (that is how reflection loops start).
  if ((flags & FLAG_QR) !== 0) return DROP_RESPONSE;
  const qdcount = readU16(msg, 4);
  const opcode = (flags >>> 11) & 0xf;
  // RFC 1035 4.1.1 / RFC 6895 2.2: only QUERY is implemented; NSD checks this before parsing the question.
  if (opcode !== Opcode.QUERY) return notImplemented(msg, qdcount);
  // RFC 9619: QDCOUNT other than 1 is a FORMERR.
  if (qdcount !== 1) return fail(Rcode.FORMERR, "qdcount", msg, null);
  const questionEnd = readQuestion(msg);
  // RFC 1035 4.1.2: the question must parse (label types, pointers, 255-byte names, its 4 fixed bytes).
  if (questionEnd < 0) {
    return fail(
      Rcode.FORMERR,
      questionEnd === NameError.TRUNCATED ? "truncated question" : "bad name",
      msg,
      null,
    );
  }
  const qname = sink.text;
  const qnameLower = sink.hasUpper ? qname.toLowerCase() : qname;
  const qtype = readU16(msg, questionEnd - 4);
  const ancount = readU16(msg, 6);
  let nscount = readU16(msg, 8);
  let pos = questionEnd;
  // RFC 1995 3: only IXFR carries a record (the client's SOA) in the authority section.
  if (qtype === RRType.IXFR) {
    for (; nscount > 0 && pos >= 0; nscount--) pos = skipRecord(msg, pos);
    if (pos < 0)
      return fail(Rcode.FORMERR, "truncated record", msg, questionAt(msg, qname, qnameLower, questionEnd));
  }
  // NSD: a query with answer or authority records is malformed.
  if (ancount !== 0 || nscount !== 0)
    return fail(
      Rcode.FORMERR,
      "answer or authority in query",
      msg,
      questionAt(msg, qname, qnameLower, questionEnd),
    );
  const error = readAdditional(msg, pos, readU16(msg, 10), qname, qnameLower, questionEnd);
  if (error !== null) return error;
  // RFC 6891 6.1.3: a version we do not implement gets BADVERS (with our OPT saying version 0).
  if (opt.seen && opt.version !== 0)
    return fail(Rcode.BADVERS, "EDNS version", msg, questionAt(msg, qname, qnameLower, questionEnd));
  // Trailing bytes after the last record are ignored, as NSD does (it builds without STRICT_MESSAGE_PARSE).
  return {
    kind: "query",
    id: readU16(msg, 0),
    opcode,
    flags,
    qname,
    qnameLower,
    qtype,
    qclass: readU16(msg, questionEnd - 2),
    edns: ednsInfo(),
  };
}
