/**
 * EDNS(0) (RFC 6891): the OPT pseudo-record's options as received (ECS RFC 7871, NSID RFC 5001; anything
 * else, cookies included, is skipped) and the OPT record we write back.
 */
import { EdnsOption } from "../types.ts";
import type { ClientSubnet } from "../types.ts";
import { copyInto, readU16, writeU16 } from "./rdata.ts";

/** RFC 6891 6.2.5: a payload size under 512 is treated as 512. */
export const MIN_UDP_PAYLOAD = 512;
export const DEFAULT_EDNS_PAYLOAD = 1232;
/** Root owner, TYPE, CLASS, TTL, RDLENGTH. */
export const OPT_FIXED_LENGTH = 11;
const OPTION_HEADER = 4;
/** The DO bit in the OPT TTL's flags half (RFC 3225). */
export const DO_BIT = 0x8000;

export type OptionsFailure = "bad option length" | "bad ECS" | "two ECS options";

/** What the options of one OPT record asked for; a reused object on the hot path. */
export interface ParsedOptions {
  ecs: ClientSubnet | null;
  nsidRequested: boolean;
}

function prefixBytes(prefix: number): number {
  return (prefix + 7) >>> 3;
}

/**
 * RFC 7871 6 and 7.1.1: a malformed ECS option is answered with FORMERR. Returns the subnet, or null when
 * the option breaks a rule (unknown family, prefix over the family's length, address length not
 * ceil(prefix/8), bits set past the prefix, or a non-zero scope in a query).
 */
export function parseClientSubnet(msg: Uint8Array, pos: number, length: number): ClientSubnet | null {
  if (length < 4) return null;
  const family = readU16(msg, pos);
  const sourcePrefix = msg[pos + 2]!;
  const scopePrefix = msg[pos + 3]!;
  const addressLength = length - 4;
  if (family !== 1 && family !== 2) return null; // RFC 7871 6: FAMILY from the IANA registry, 1 or 2 here
  const maxPrefix = family === 1 ? 32 : 128;
  if (sourcePrefix > maxPrefix) return null; // RFC 7871 6: prefix cannot exceed the address length
  if (scopePrefix !== 0) return null; // RFC 7871 6: SCOPE PREFIX-LENGTH MUST be 0 in queries
  if (addressLength !== prefixBytes(sourcePrefix)) return null; // RFC 7871 6: exactly ceil(prefix/8) octets
  const start = pos + 4;
  if (sourcePrefix % 8 !== 0) {
    const mask = 0xff >>> (sourcePrefix % 8);
    if ((msg[start + addressLength - 1]! & mask) !== 0) return null; // RFC 7871 6: trailing bits MUST be 0
  }
  const address = new Uint8Array(family === 1 ? 4 : 16);
  copyInto(address, 0, msg, start, start + addressLength);
  return { family, sourcePrefix, scopePrefix, address };
}

/**
 * Walks the options in the OPT RDATA at [pos, end). Fills `out`; returns null on success or the failure.
 * RFC 6891 6.1.2: options are (code, length, data) triples that must exactly fill the RDATA.
 */
export function parseOptions(
  msg: Uint8Array,
  pos: number,
  end: number,
  out: ParsedOptions,
): OptionsFailure | null {
  out.ecs = null;
  out.nsidRequested = false;
  while (pos < end) {
    if (pos + OPTION_HEADER > end) return "bad option length";
    const code = readU16(msg, pos);
    const length = readU16(msg, pos + 2);
    pos += OPTION_HEADER;
    if (pos + length > end) return "bad option length";
    if (code === EdnsOption.ECS) {
      if (out.ecs !== null) return "two ECS options";
      out.ecs = parseClientSubnet(msg, pos, length);
      if (out.ecs === null) return "bad ECS";
    } else if (code === EdnsOption.NSID) {
      // RFC 5001 2.1: the request carries an empty option; a non-empty one is still read as a request.
      out.nsidRequested = true;
    }
    // RFC 6891 6.1.2: unknown options (COOKIE, PADDING, ...) are ignored.
    pos += length;
  }
  return null;
}

/** Bytes our OPT record will take, so the writer can reserve them before any RRset. */
export function optLength(ecs: ClientSubnet | null, nsid: Uint8Array | null): number {
  let length = OPT_FIXED_LENGTH;
  if (nsid !== null) length += OPTION_HEADER + nsid.length;
  if (ecs !== null) length += OPTION_HEADER + 4 + prefixBytes(ecs.sourcePrefix);
  return length;
}

/**
 * Writes our OPT record at `pos`; returns its end. `extendedRcode` is the full rcode: its upper 8 bits go
 * in the TTL (RFC 6891 6.1.3). ECS is echoed with FAMILY, SOURCE PREFIX and ADDRESS as received and our
 * scope (RFC 7871 7.2.1); NSID is written when given (RFC 5001 2.2).
 */
export function writeOpt(
  msg: Uint8Array,
  pos: number,
  payloadSize: number,
  extendedRcode: number,
  dnssecOk: boolean,
  ecs: ClientSubnet | null,
  ecsScope: number,
  nsid: Uint8Array | null,
): number {
  msg[pos] = 0;
  writeU16(msg, pos + 1, 41);
  writeU16(msg, pos + 3, payloadSize);
  msg[pos + 5] = (extendedRcode >>> 4) & 0xff;
  msg[pos + 6] = 0; // version 0
  writeU16(msg, pos + 7, dnssecOk ? DO_BIT : 0);
  const rdlengthAt = pos + 9;
  let p = pos + OPT_FIXED_LENGTH;
  if (nsid !== null) {
    writeU16(msg, p, EdnsOption.NSID);
    writeU16(msg, p + 2, nsid.length);
    copyInto(msg, p + 4, nsid, 0, nsid.length);
    p += OPTION_HEADER + nsid.length;
  }
  if (ecs !== null) {
    const addressLength = prefixBytes(ecs.sourcePrefix);
    writeU16(msg, p, EdnsOption.ECS);
    writeU16(msg, p + 2, 4 + addressLength);
    writeU16(msg, p + 4, ecs.family);
    msg[p + 6] = ecs.sourcePrefix;
    msg[p + 7] = ecsScope;
    copyInto(msg, p + 8, ecs.address, 0, addressLength);
    p += OPTION_HEADER + 4 + addressLength;
  }
  writeU16(msg, rdlengthAt, p - pos - OPT_FIXED_LENGTH);
  return p;
}
