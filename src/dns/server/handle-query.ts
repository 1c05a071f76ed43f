/**
 * decode → answer → encode, synchronously, for one message (DESIGN §2 "A query"). No logging, no await, no
 * exceptions on purpose: every step returns a typed outcome and one switch maps it to the reply.
 */
import { RRClass, RRType, Rcode, type Query, type RdataTXT, type RRset } from "../types.ts";
import { decodeQuery } from "../wire/reader.ts";
import { ResponseWriter, Section, AddResult } from "../wire/writer.ts";
import { clientAddress, clientFromText, ecsScopeFor, type ClientAddress } from "../../geo/client.ts";
import type { GeoLookup, GeoResult } from "../../geo/reader.ts";
import { UNKNOWN_GEO } from "../../geo/record.ts";
import { StaticHealthView, type HealthView } from "../../health/table.ts";
import { QueryContext } from "../../policy/context.ts";
import type { RandomSource, Resolution } from "../../policy/types.ts";
import { lookup } from "../../zones/lookup.ts";
import type { LookupOutcome } from "../../zones/outcome.ts";
import type { ZoneSet } from "../../zones/tree.ts";
import { isPolicyRRset, type PolicyRRset } from "../../zones/zone.ts";
import { PolicyStats, type AnswerStats } from "./stats.ts";
import type { QueryHandler, Remote, Transport } from "./transport.ts";

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

/** What policy records are resolved with (DESIGN §2: the client, GeoIP and the current health table). */
export interface PolicyEnvironment {
  readonly geo: GeoLookup;
  /** The current health table: read once per query. */
  readonly health: () => HealthView;
  readonly random?: RandomSource;
  readonly stats?: PolicyStats;
}

const NO_GEO: GeoLookup = { lookup: (): GeoResult => ({ info: UNKNOWN_GEO, prefixLength: 0 }) };
const ALL_UP = new StaticHealthView();
/** Without GeoIP and health every target is up and every client is unknown. */
export const STATIC_POLICY_ENVIRONMENT: PolicyEnvironment = { geo: NO_GEO, health: () => ALL_UP };

export function createQueryHandler(
  zones: () => ZoneSet,
  options: HandlerOptions,
  stats: AnswerStats,
  environment: PolicyEnvironment = STATIC_POLICY_ENVIRONMENT,
): QueryHandler {
  const writer = new ResponseWriter({ udpPayloadCap: options.udpPayloadCap, nsid: options.nsid });
  const chaos = chaosRecords(options);
  const policies = new PolicyResolver(environment);

  return (message: Buffer, transport: Transport, remote: Remote): Uint8Array | null => {
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
    // QCLASS ANY (RFC 1035 §3.2.5) is answered from our IN data, as Knot does (NSD does too, without AA).
    if (decoded.qclass === RRClass.IN || decoded.qclass === RRClass.ANY) {
      rcode = answerFromZones(writer, zones(), decoded, policies, remote);
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

function answerFromZones(
  writer: ResponseWriter,
  set: ZoneSet,
  query: Query,
  policies: PolicyResolver,
  remote: Remote,
): number {
  // Zone transfers are not offered (no ACL allows them): REFUSED, as NSD and Knot answer an unlisted client.
  if (query.qtype === RRType.AXFR || query.qtype === RRType.IXFR) return refuse(writer);
  const outcome: LookupOutcome = lookup(set, query.qnameLower, query.qtype);
  if (outcome.dynamic) return answerDynamic(writer, set, outcome, policies.begin(query, remote));
  writer.setRcode(outcome.rcode);
  writer.setAuthoritative(outcome.aa);
  if (outcome.kind !== "refused") writeSections(writer, outcome);
  return outcome.rcode;
}

/**
 * An outcome holding policy RRsets: each is resolved for this client and written as a temporary RRset.
 * A policy in the answer that says NODATA turns the reply into NODATA (the zone's SOA in authority, the
 * CNAMEs before it kept); SERVFAIL turns it into SERVFAIL. Policies in the additional section that give
 * nothing are left out. The ECS scope is the widest any resolved policy needed (0 when none depended on
 * the client).
 */
function answerDynamic(
  writer: ResponseWriter,
  set: ZoneSet,
  outcome: LookupOutcome,
  policies: PolicyResolver,
): number {
  const answer: RRset[] = [];
  let srvPolicy = false;
  for (const rrset of outcome.answer) {
    if (!isPolicyRRset(rrset)) {
      answer.push(rrset);
      continue;
    }
    srvPolicy ||= rrset.type === RRType.SRV;
    const resolution = policies.resolve(rrset);
    writer.setEcsScope(policies.ecsScope);
    if (resolution.outcome === "servfail") {
      writer.setRcode(Rcode.SERVFAIL);
      return Rcode.SERVFAIL;
    }
    if (resolution.outcome === "nodata") {
      const soa = outcome.zone === null ? undefined : set.zones.get(outcome.zone)?.negativeSoa;
      writer.setRcode(Rcode.NOERROR);
      writer.setAuthoritative(true);
      if (addAll(writer, Section.ANSWER, answer) && soa !== undefined)
        writer.addRRset(Section.AUTHORITY, soa);
      return Rcode.NOERROR;
    }
    answer.push(policies.rrsetOf(rrset, resolution));
  }
  const additional: RRset[] = [];
  for (const rrset of outcome.additional) {
    // An SRV policy's additional section lists the addresses of every target it can answer: keep this answer's.
    if (srvPolicy && !isSrvTarget(answer, rrset.name)) continue;
    if (!isPolicyRRset(rrset)) additional.push(rrset);
    else {
      const resolution = policies.resolve(rrset);
      if (resolution.outcome === "answer") additional.push(policies.rrsetOf(rrset, resolution));
    }
  }
  writer.setEcsScope(policies.ecsScope);
  writer.setRcode(outcome.rcode);
  writer.setAuthoritative(outcome.aa);
  if (!addAll(writer, Section.ANSWER, answer)) return outcome.rcode;
  if (!addAll(writer, Section.AUTHORITY, outcome.authority)) return outcome.rcode;
  addAll(writer, Section.ADDITIONAL, additional);
  return outcome.rcode;
}

/** Whether an SRV record of the answer points at `name` (a few records: a scan, nothing allocated). */
function isSrvTarget(answer: readonly RRset[], name: string): boolean {
  for (const rrset of answer)
    for (const rdata of rrset.rdata) if (rdata.kind === "SRV" && rdata.target === name) return true;
  return false;
}

/** A client no address parses for (should not happen): treated as unknown, nothing revealed. */
const UNKNOWN_CLIENT: ClientAddress = clientFromText("0.0.0.0/0")!;

/** Resolves the policy RRsets of one query: one client, one health table, one GeoIP lookup at most. */
class PolicyResolver {
  readonly #environment: PolicyEnvironment;
  readonly #stats: PolicyStats | undefined;
  #query: Query | null = null;
  #remote: Remote | null = null;
  #context: QueryContext | null = null;
  /** The widest ECS scope of the policies resolved for this query. */
  scope = 0;

  constructor(environment: PolicyEnvironment) {
    this.#environment = environment;
    this.#stats = environment.stats;
  }

  begin(query: Query, remote: Remote): this {
    this.#query = query;
    this.#remote = remote;
    this.#context = null;
    this.scope = 0;
    return this;
  }

  /** The scope for the reply's ECS option (in the option's own terms: an IPv4-mapped subnet adds 96). */
  get ecsScope(): number {
    return this.#context === null ? 0 : ecsScopeFor(this.#context.client, this.scope);
  }

  resolve(rrset: PolicyRRset): Resolution {
    const context = this.#context ?? this.#newContext();
    const resolution = rrset.policy.resolve(context);
    if (resolution.ecsScopePrefix > this.scope) this.scope = resolution.ecsScopePrefix;
    this.#stats?.count(rrset, resolution);
    return resolution;
  }

  /** The RRset to write: the resolution's data and TTL (the drill TTL while a region it may use ramps down). */
  rrsetOf(rrset: PolicyRRset, resolution: Resolution): RRset {
    let ttl = resolution.ttl;
    const health = this.#context!.health;
    if (health.ttlRamp !== undefined && ttl > rrset.drillTtl) {
      for (const region of rrset.regions) {
        if (health.ttlRamp(region)) {
          ttl = rrset.drillTtl;
          break;
        }
      }
    }
    return { name: rrset.name, type: rrset.type, class: rrset.class, ttl, rdata: resolution.rdata };
  }

  #newContext(): QueryContext {
    const client = clientAddress(this.#remote!.address, this.#query!.edns?.ecs ?? null) ?? UNKNOWN_CLIENT;
    const env = this.#environment;
    this.#context = new QueryContext(client, env.geo, env.health(), env.random ?? Math.random);
    return this.#context;
  }
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
