/**
 * decode → answer → encode, synchronously, for one message (DESIGN §2 "A query"). No logging, no await, no
 * exceptions on purpose: every step returns a typed outcome and one switch maps it to the reply.
 */
import { RRClass, RRType, Rcode, type Query, type RdataTXT, type RRset } from "../types.ts";
import { decodeQuery } from "../wire/reader.ts";
import { ResponseWriter, Section, AddResult } from "../wire/writer.ts";
import { lookup } from "../../zones/lookup.ts";
import type { LookupOutcome } from "../../zones/outcome.ts";
import type { ZoneSet } from "../../zones/tree.ts";
import type { AnswerStats } from "./stats.ts";
import type { QueryHandler, Transport } from "./transport.ts";

export interface HandlerOptions {
  /** Largest UDP response (RFC 6891 6.2.5). */
  readonly udpPayloadCap: number;
  /** RFC 5001 NSID payload; null: NSID is not answered. */
  readonly nsid: Uint8Array | null;
  /** CHAOS TXT id.server / hostname.bind; null: REFUSED. */
  readonly identity: string | null;
  /** CHAOS TXT version.bind / version.server; null: REFUSED. */
  readonly version: string | null;
}

export function createQueryHandler(
  zones: () => ZoneSet,
  options: HandlerOptions,
  stats: AnswerStats,
): QueryHandler {
  const writer = new ResponseWriter({ udpPayloadCap: options.udpPayloadCap, nsid: options.nsid });
  const chaos = chaosRecords(options);

  return (message: Buffer, transport: Transport): Uint8Array | null => {
    stats.queries++;
    const tcp = transport === "tcp";
    const decoded = decodeQuery(message);
    if (decoded.kind === "drop") {
      stats.dropped++;
      return null;
    }
    if (decoded.kind === "error") {
      stats.responsesByRcode[decoded.rcode]! += 1;
      return writer.writeError(decoded, tcp);
    }
    if (decoded.edns !== null) {
      stats.ednsQueries++;
      if (decoded.edns.ecs !== null) stats.ecsQueries++;
    }
    writer.begin(decoded, tcp);
    let rcode: number;
    if (decoded.qclass === RRClass.IN) {
      rcode = answerFromZones(writer, zones(), decoded);
    } else if (decoded.qclass === RRClass.CH) {
      stats.chaosQueries++;
      rcode = answerChaos(writer, chaos, decoded);
    } else {
      rcode = refuse(writer);
    }
    stats.responsesByRcode[rcode]! += 1;
    const response = writer.finish();
    if (writer.truncated) stats.truncated++;
    return response;
  };
}

function refuse(writer: ResponseWriter): number {
  writer.setRcode(Rcode.REFUSED);
  return Rcode.REFUSED;
}

function answerFromZones(writer: ResponseWriter, set: ZoneSet, query: Query): number {
  // Zone transfers are not offered (no ACL allows them): REFUSED, as NSD and Knot answer an unlisted client.
  if (query.qtype === RRType.AXFR || query.qtype === RRType.IXFR) return refuse(writer);
  const outcome: LookupOutcome = lookup(set, query.qnameLower, query.qtype);
  writer.setRcode(outcome.rcode);
  writer.setAuthoritative(outcome.aa);
  if (outcome.kind !== "refused") writeSections(writer, outcome);
  return outcome.rcode;
}

function writeSections(writer: ResponseWriter, outcome: LookupOutcome): void {
  if (!addAll(writer, Section.ANSWER, outcome.answer)) return;
  if (!addAll(writer, Section.AUTHORITY, outcome.authority)) return;
  addAll(writer, Section.ADDITIONAL, outcome.additional);
}

/** False once the message was truncated (nothing more may be added). */
function addAll(writer: ResponseWriter, section: Section, rrsets: readonly RRset[]): boolean {
  for (let i = 0; i < rrsets.length; i++) {
    if (writer.addRRset(section, rrsets[i]!) === AddResult.TRUNCATED) return false;
  }
  return true;
}

interface ChaosRecords {
  readonly identity: RRset | null;
  readonly version: RRset | null;
}

const IDENTITY_NAMES = new Set(["id.server.", "hostname.bind."]);
const VERSION_NAMES = new Set(["version.bind.", "version.server."]);

function chaosTxt(text: string | null): RRset | null {
  if (text === null) return null;
  const rdata: RdataTXT = { kind: "TXT", strings: [Buffer.from(text, "utf8").subarray(0, 255)] };
  return Object.freeze({
    name: ".", // replaced by the question's name when written
    type: RRType.TXT,
    class: RRClass.CH,
    ttl: 0,
    rdata: [rdata],
  });
}

function chaosRecords(options: HandlerOptions): ChaosRecords {
  return { identity: chaosTxt(options.identity), version: chaosTxt(options.version) };
}

/** CHAOS TXT id.server / version.bind (RFC 4892); anything else in class CH is REFUSED. */
function answerChaos(writer: ResponseWriter, chaos: ChaosRecords, query: Query): number {
  const rrset = IDENTITY_NAMES.has(query.qnameLower)
    ? chaos.identity
    : VERSION_NAMES.has(query.qnameLower)
      ? chaos.version
      : null;
  if (rrset === null || (query.qtype !== RRType.TXT && query.qtype !== RRType.ANY)) return refuse(writer);
  writer.setAuthoritative(true);
  writer.addRRset(Section.ANSWER, rrset, query.qnameLower);
  return Rcode.NOERROR;
}
