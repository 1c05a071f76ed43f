/**
 * RDATA codecs for every `Rdata` kind of types.ts. Encoding writes into the caller's message buffer and
 * returns the end offset or a negative error; decoding returns the structured Rdata or a reason string.
 * Names in NS, CNAME, PTR, MX and SOA RDATA may be compressed (RFC 1035 4.1.4, RFC 3597 4: these well-known
 * types only); SRV's target must not be (RFC 2782); everything else is opaque bytes.
 */
import { RRType } from "../types.ts";
import type { Name, Rdata } from "../types.ts";
import { ipv6ToText } from "../presentation.ts";
import { NameCompressor, NameError, newNameSink, readName } from "./name.ts";

export const RdataError = {
  NO_SPACE: NameError.NO_SPACE,
  /** The Rdata value cannot be written (a TXT string over 255 bytes, a bad name, a wrong address length). */
  BAD_DATA: -7,
} as const;

export function writeU16(msg: Uint8Array, pos: number, value: number): void {
  msg[pos] = value >>> 8;
  msg[pos + 1] = value & 0xff;
}

export function writeU32(msg: Uint8Array, pos: number, value: number): void {
  msg[pos] = value >>> 24;
  msg[pos + 1] = (value >>> 16) & 0xff;
  msg[pos + 2] = (value >>> 8) & 0xff;
  msg[pos + 3] = value & 0xff;
}

export function readU16(msg: Uint8Array, pos: number): number {
  return (msg[pos]! << 8) | msg[pos + 1]!;
}

export function readU32(msg: Uint8Array, pos: number): number {
  return ((msg[pos]! << 24) | (msg[pos + 1]! << 16) | (msg[pos + 2]! << 8) | msg[pos + 3]!) >>> 0;
}

/** A plain Uint8Array copy (not a Buffer, whatever `msg` is), so decoded values compare equal. */
export function copyBytes(msg: Uint8Array, start: number, end: number = msg.length): Uint8Array {
  return new Uint8Array(msg.subarray(start, end));
}

/** A byte loop beats TypedArray.prototype.set (and its subarray views) for the few bytes of addresses and names. */
export function copyInto(to: Uint8Array, at: number, from: Uint8Array, start: number, end: number): void {
  if (end - start > 64) {
    to.set(from.subarray(start, end), at);
    return;
  }
  for (let i = start; i < end; i++) to[at++] = from[i]!;
}

function writeBytes(
  msg: Uint8Array,
  pos: number,
  limit: number,
  bytes: Uint8Array,
  expected: number,
): number {
  if (expected >= 0 && bytes.length !== expected) return RdataError.BAD_DATA;
  if (pos + bytes.length > limit) return RdataError.NO_SPACE;
  copyInto(msg, pos, bytes, 0, bytes.length);
  return pos + bytes.length;
}

function nameStatus(end: number): number {
  return end === NameError.NO_SPACE || end >= 0 ? end : RdataError.BAD_DATA;
}

function writeName(
  msg: Uint8Array,
  pos: number,
  limit: number,
  name: Name,
  names: NameCompressor,
  compress: boolean,
): number {
  return nameStatus(names.write(msg, pos, limit, name, compress, compress));
}

function writeTxt(msg: Uint8Array, pos: number, limit: number, strings: readonly Uint8Array[]): number {
  for (const s of strings) {
    if (s.length > 255) return RdataError.BAD_DATA;
    if (pos + 1 + s.length > limit) return RdataError.NO_SPACE;
    msg[pos] = s.length;
    msg.set(s, pos + 1);
    pos += 1 + s.length;
  }
  return pos;
}

function writeCaa(
  msg: Uint8Array,
  pos: number,
  limit: number,
  flags: number,
  tag: string,
  value: Uint8Array,
): number {
  // RFC 8659 4.1: tag length at least 1 (and at most 15 for a registered tag; 255 is the wire limit).
  if (tag.length === 0 || tag.length > 255) return RdataError.BAD_DATA;
  if (pos + 2 + tag.length + value.length > limit) return RdataError.NO_SPACE;
  msg[pos] = flags & 0xff;
  msg[pos + 1] = tag.length;
  for (let i = 0; i < tag.length; i++) {
    const c = tag.charCodeAt(i);
    if (c > 0x7e || c <= 0x20) return RdataError.BAD_DATA;
    msg[pos + 2 + i] = c;
  }
  msg.set(value, pos + 2 + tag.length);
  return pos + 2 + tag.length + value.length;
}

/** Writes the RDATA (without RDLENGTH) at `pos`; returns the end or a negative RdataError. */
export function encodeRdata(
  msg: Uint8Array,
  pos: number,
  limit: number,
  rdata: Rdata,
  names: NameCompressor,
): number {
  switch (rdata.kind) {
    case "A":
      return writeBytes(msg, pos, limit, rdata.bytes, 4);
    case "AAAA":
      return writeBytes(msg, pos, limit, rdata.bytes, 16);
    case "NS":
    case "CNAME":
    case "PTR":
      return writeName(msg, pos, limit, rdata.target, names, true);
    case "MX":
      if (pos + 2 > limit) return RdataError.NO_SPACE;
      writeU16(msg, pos, rdata.preference);
      return writeName(msg, pos + 2, limit, rdata.exchange, names, true);
    case "SOA": {
      let end = writeName(msg, pos, limit, rdata.mname, names, true);
      if (end < 0) return end;
      end = writeName(msg, end, limit, rdata.rname, names, true);
      if (end < 0) return end;
      if (end + 20 > limit) return RdataError.NO_SPACE;
      writeU32(msg, end, rdata.serial);
      writeU32(msg, end + 4, rdata.refresh);
      writeU32(msg, end + 8, rdata.retry);
      writeU32(msg, end + 12, rdata.expire);
      writeU32(msg, end + 16, rdata.minimum);
      return end + 20;
    }
    case "TXT":
      return writeTxt(msg, pos, limit, rdata.strings);
    case "SRV":
      if (pos + 6 > limit) return RdataError.NO_SPACE;
      writeU16(msg, pos, rdata.priority);
      writeU16(msg, pos + 2, rdata.weight);
      writeU16(msg, pos + 4, rdata.port);
      // RFC 2782: "name compression is not to be used for this field".
      return writeName(msg, pos + 6, limit, rdata.target, names, false);
    case "CAA":
      return writeCaa(msg, pos, limit, rdata.flags, rdata.tag, rdata.value);
    case "UNKNOWN":
      return writeBytes(msg, pos, limit, rdata.data, -1);
  }
}

export function ipv4ToText(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

const sink = newNameSink();

/** Reads a name that must lie inside the RDATA; returns [name, end] through the sink, or -1. */
function readRdataName(msg: Uint8Array, pos: number, end: number): number {
  const next = readName(msg.subarray(0, end), pos, sink);
  return next < 0 ? -1 : next;
}

function lower(): Name {
  return sink.hasUpper ? sink.text.toLowerCase() : sink.text;
}

function decodeTxt(msg: Uint8Array, pos: number, end: number): Rdata | string {
  const strings: Uint8Array[] = [];
  while (pos < end) {
    const len = msg[pos]!;
    if (pos + 1 + len > end) return "TXT string runs past RDATA";
    strings.push(copyBytes(msg, pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { kind: "TXT", strings };
}

function decodeCaa(msg: Uint8Array, pos: number, end: number): Rdata | string {
  if (end - pos < 2) return "CAA RDATA too short";
  const tagLength = msg[pos + 1]!;
  // RFC 8659 4.1: the tag length MUST be at least 1.
  if (tagLength === 0 || pos + 2 + tagLength > end) return "CAA tag length";
  const tag = String.fromCharCode(...msg.subarray(pos + 2, pos + 2 + tagLength));
  return { kind: "CAA", flags: msg[pos]!, tag, value: copyBytes(msg, pos + 2 + tagLength, end) };
}

function decodeNameRdata(
  kind: "NS" | "CNAME" | "PTR",
  msg: Uint8Array,
  pos: number,
  end: number,
): Rdata | string {
  const next = readRdataName(msg, pos, end);
  if (next !== end) return `${kind} target is not the whole RDATA`;
  const target = lower();
  return kind === "NS" ? { kind, target } : kind === "CNAME" ? { kind, target } : { kind, target };
}

function decodeSoa(msg: Uint8Array, pos: number, end: number): Rdata | string {
  const afterMname = readRdataName(msg, pos, end);
  if (afterMname < 0) return "SOA MNAME";
  const mname = lower();
  const afterRname = readRdataName(msg, afterMname, end);
  if (afterRname < 0) return "SOA RNAME";
  const rname = lower();
  if (afterRname + 20 !== end) return "SOA counters length";
  return {
    kind: "SOA",
    mname,
    rname,
    serial: readU32(msg, afterRname),
    refresh: readU32(msg, afterRname + 4),
    retry: readU32(msg, afterRname + 8),
    expire: readU32(msg, afterRname + 12),
    minimum: readU32(msg, afterRname + 16),
  };
}

/**
 * Decodes the RDATA of `type` at `pos` (`length` bytes) of the whole message `msg` (compressed names point
 * anywhere before). Returns the Rdata, or a string saying what is malformed.
 */
export function decodeRdata(msg: Uint8Array, pos: number, length: number, type: number): Rdata | string {
  const end = pos + length;
  if (end > msg.length) return "RDATA runs past the message";
  switch (type) {
    case RRType.A:
      if (length !== 4) return "A RDATA is not 4 bytes";
      return { kind: "A", address: ipv4ToText(msg.subarray(pos, end)), bytes: copyBytes(msg, pos, end) };
    case RRType.AAAA:
      if (length !== 16) return "AAAA RDATA is not 16 bytes";
      return { kind: "AAAA", address: ipv6ToText(msg.subarray(pos, end)), bytes: copyBytes(msg, pos, end) };
    case RRType.NS:
      return decodeNameRdata("NS", msg, pos, end);
    case RRType.CNAME:
      return decodeNameRdata("CNAME", msg, pos, end);
    case RRType.PTR:
      return decodeNameRdata("PTR", msg, pos, end);
    case RRType.MX: {
      if (length < 3) return "MX RDATA too short";
      if (readRdataName(msg, pos + 2, end) !== end) return "MX exchange is not the rest of the RDATA";
      return { kind: "MX", preference: readU16(msg, pos), exchange: lower() };
    }
    case RRType.SOA:
      return decodeSoa(msg, pos, end);
    case RRType.TXT:
      return decodeTxt(msg, pos, end);
    case RRType.SRV: {
      if (length < 7) return "SRV RDATA too short";
      if (readRdataName(msg, pos + 6, end) !== end) return "SRV target is not the rest of the RDATA";
      return {
        kind: "SRV",
        priority: readU16(msg, pos),
        weight: readU16(msg, pos + 2),
        port: readU16(msg, pos + 4),
        target: lower(),
      };
    }
    case RRType.CAA:
      return decodeCaa(msg, pos, end);
    default:
      return { kind: "UNKNOWN", type, data: copyBytes(msg, pos, end) };
  }
}
