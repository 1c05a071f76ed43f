/**
 * The acceptance battery of malformed packets, through the real listeners: every packet goes over UDP and
 * TCP to gslb and to a real NSD serving the same zone, and gslb must do what NSD does — reply or not, the
 * full rcode (extended bits from the OPT included), TC, OPT present or not, and over TCP whether the
 * connection is closed. Where gslb differs on purpose, the difference is listed with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/gslb-server.ts";
import { EXAMPLE_ZONE_MASTER, EXAMPLE_ZONE_YAML } from "../../helpers/example-zone.ts";
import { startNsd, type NsdServer } from "../../helpers/nsd.ts";
import { ecs, header, name, opt, option, query, question, u16 } from "../../helpers/dns-bytes.ts";
import { summarise, tcpExchange, udpExchange, type Target } from "./raw.ts";

const WWW = "www.example.com.";

/** Deterministic bytes (mulberry32) so that a failing garbage packet can be replayed. */
function randomBytes(seed: number, length: number): number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
  return Array.from({ length }, next);
}

const label = (n: number): number[] => [n, ...Array<number>(n).fill(0x61)];
const wwwQuestion = question(WWW);
const packet = (...parts: (readonly number[])[]): Buffer => Buffer.from(parts.flat());

type Case = readonly [name: string, packet: Buffer];

const VALID_HEADER = header({ id: 0x1111 });

const TRUNCATED_HEADERS: Case[] = Array.from({ length: 12 }, (_, n): Case => [
  `header of ${n} bytes`,
  Buffer.from(VALID_HEADER.slice(0, n)),
]);

const OPCODES: Case[] = Array.from({ length: 15 }, (_, i): Case => {
  const opcode = i + 1;
  return [
    `opcode ${opcode}`,
    packet(header({ id: 0x2000 + opcode, flags: 0x0100 | (opcode << 11) }), wwwQuestion),
  ];
});

const BAD_ECS: Case[] = [
  ["ECS family 3", ecs(3, 24, 0, [192, 0, 2])],
  ["ECS IPv4 source prefix 33", ecs(1, 33, 0, [192, 0, 2, 1, 0])],
  ["ECS IPv6 source prefix 129", ecs(2, 129, 0, Array<number>(17).fill(0x20))],
  ["ECS address longer than the prefix needs", ecs(1, 24, 0, [192, 0, 2, 0])],
  ["ECS address shorter than the prefix needs", ecs(1, 24, 0, [192, 0])],
  ["ECS bits set past the prefix", ecs(1, 20, 0, [192, 0, 0x12])],
  ["ECS non-zero scope in a query", ecs(1, 24, 8, [192, 0, 2])],
  ["ECS shorter than its fixed part", option(8, [0, 1, 24])],
].map(([title, ecsOption], i): Case => [
  title as string,
  packet(header({ id: 0x3000 + i, ar: 1 }), wwwQuestion, opt({ options: ecsOption as number[] })),
]);

const GARBAGE: Case[] = [
  ...Array.from({ length: 8 }, (_, i): Case => [
    `random garbage ${i}`,
    Buffer.from(randomBytes(1000 + i, 12 + ((i * 37) % 90))),
  ]),
  // Random bytes after a header that asks one question: exercises the name and record parsers.
  ...Array.from({ length: 12 }, (_, i): Case => [
    `random question ${i}`,
    packet(header({ id: 0x4000 + i, ar: i % 3 }), randomBytes(2000 + i, 4 + ((i * 29) % 60))),
  ]),
];

const BATTERY: Case[] = [
  ["valid query", query(0x0001, WWW)],
  ["valid query with EDNS", query(0x0002, WWW, 1, {})],
  ...TRUNCATED_HEADERS,
  ["qdcount 0", packet(header({ id: 0x0101, qd: 0 }))],
  ["qdcount 0 followed by a question", packet(header({ id: 0x0102, qd: 0 }), wwwQuestion)],
  ["qdcount 2", packet(header({ id: 0x0103, qd: 2 }), wwwQuestion, question("ns1.example.com."))],
  ["qdcount 2 with one question", packet(header({ id: 0x0104, qd: 2 }), wwwQuestion)],
  ["label of 64 bytes", packet(header({ id: 0x0105 }), label(64), name("example.com."), u16(1), u16(1))],
  [
    "name of 256 bytes",
    packet(header({ id: 0x0106 }), label(63), label(63), label(63), label(62), [0], u16(1), u16(1)),
  ],
  [
    "name of 255 bytes (the largest valid one)",
    packet(header({ id: 0x0107 }), label(63), label(63), label(63), label(61), [0], u16(1), u16(1)),
  ],
  ["pointer to itself", packet(header({ id: 0x0108 }), [0xc0, 12], u16(1), u16(1))],
  ["two pointers in a loop", packet(header({ id: 0x0109 }), [1, 0x61, 0xc0, 15, 0xc0, 12], u16(1), u16(1))],
  ["forward pointer", packet(header({ id: 0x010a }), [0xc0, 18], u16(1), u16(1), name("abc."))],
  ["pointer past the end", packet(header({ id: 0x010b }), [0xc0, 0xff], u16(1), u16(1))],
  ["label type 0x40", packet(header({ id: 0x010c }), [0x41, 0x61, 0], u16(1), u16(1))],
  ["name without its root label", packet(header({ id: 0x010d }), [3, 0x77, 0x77, 0x77])],
  ["question without its type and class", packet(header({ id: 0x010e }), name(WWW))],
  ...OPCODES,
  ["opcode 1 with TC=1", packet(header({ id: 0x0219, flags: 0x0b00 }), wwwQuestion)],
  ["EDNS version 1", query(0x0201, WWW, 1, { version: 1 })],
  ["EDNS version 1 with a bad option inside", query(0x0202, WWW, 1, { version: 1, options: [0, 8, 0, 9] })],
  ["valid ECS", query(0x0203, WWW, 1, { options: ecs(1, 24, 0, [192, 0, 2]) })],
  ["ECS prefix 0", query(0x0204, WWW, 1, { options: ecs(1, 0, 0, []) })],
  ...BAD_ECS,
  ["an option longer than the OPT", query(0x0205, WWW, 1, { options: [0xfd, 0xe9, 0, 9, 1, 2] })],
  ["NSID option longer than the OPT", query(0x0217, WWW, 1, { options: [0, 3, 0, 9, 1, 2] })],
  ["OPT RDATA ending inside an option header", query(0x0218, WWW, 1, { options: [0, 3, 0] })],
  ["two OPT records", packet(header({ id: 0x0206, ar: 2 }), wwwQuestion, opt(), opt())],
  [
    "OPT with a non-root owner",
    packet(header({ id: 0x0207, ar: 1 }), wwwQuestion, opt({ owner: name("example.com.") })),
  ],
  ["OPT payload below 512", query(0x0208, WWW, 1, { payload: 100 })],
  ["QR=1 (a response)", packet(header({ id: 0x0209, flags: 0x8100 }), wwwQuestion)],
  ["QR=1 with an error rcode", packet(header({ id: 0x020a, flags: 0x8105 }), wwwQuestion)],
  ["TC=1 in a query", packet(header({ id: 0x020b, flags: 0x0300 }), wwwQuestion)],
  ["4 KiB query: EDNS padding", query(0x020c, WWW, 1, { options: option(12, Array<number>(4096).fill(0)) })],
  ["4 KiB query: trailing zeros", packet(header({ id: 0x020d }), wwwQuestion, Array<number>(4096).fill(0))],
  ["trailing garbage", packet(header({ id: 0x020e }), wwwQuestion, [1, 2, 3])],
  ["trailing garbage after the OPT", packet(header({ id: 0x020f, ar: 1 }), wwwQuestion, opt(), [9])],
  [
    "ancount 1 with an answer record",
    packet(
      header({ id: 0x0210, an: 1 }),
      wwwQuestion,
      name(WWW),
      u16(1),
      u16(1),
      [0, 0, 0, 60],
      u16(4),
      [192, 0, 2, 10],
    ),
  ],
  ["ancount 1 without the record", packet(header({ id: 0x0211, an: 1 }), wwwQuestion)],
  ["nscount 1 without the record", packet(header({ id: 0x0212, ns: 1 }), wwwQuestion)],
  [
    "arcount 1 with an A record",
    packet(
      header({ id: 0x0213, ar: 1 }),
      wwwQuestion,
      name(WWW),
      u16(1),
      u16(1),
      [0, 0, 0, 60],
      u16(4),
      [192, 0, 2, 10],
    ),
  ],
  ["arcount 3 with no records", packet(header({ id: 0x0214, ar: 3 }), wwwQuestion)],
  ["a name outside the zone", query(0x0215, "example.org.")],
  ["class CH, not id.server", query(0x0216, WWW, 16, undefined)],
  ...GARBAGE,
];

interface Outcome {
  readonly udp: string;
  readonly tcp: string;
}

interface AcceptedDifference {
  readonly gslb: Outcome;
  readonly nsd: Outcome;
  readonly why: string;
}

const ECS_FORMERR =
  "RFC 7871 6 and 7.1.1 (and issue 2): a malformed ECS option gets FORMERR. NSD 4.6 (and Knot 3.2) do not parse ECS and answer as if it were absent";
const OPT_ECHOED =
  "same rcode; gslb echoes an OPT on every reply to a query that had one (RFC 6891 7, issue 2), NSD and Knot leave it out when the OPT itself is the error";
const SHORT_TCP =
  "NSD closes a TCP connection on a message under 17 bytes (header + root + type + class) without a reply; gslb answers as it does over UDP (as NSD does over UDP, and Knot over both)";
const TC_ECHOED =
  "NSD copies the query's TC bit into its NOTIMP reply; gslb's reply is not truncated, so TC stays clear";

const formerrWithOpt: Outcome = { udp: "rcode 1 OPT", tcp: "rcode 1 OPT" };

/** Where gslb differs from NSD on purpose. Everything else must be equal. */
const ACCEPTED_DIFFERENCES: Readonly<Record<string, AcceptedDifference>> = {
  "qdcount 0": {
    gslb: { udp: "rcode 1", tcp: "rcode 1" },
    nsd: { udp: "rcode 1", tcp: "no reply, closed" },
    why: SHORT_TCP,
  },
  "name without its root label": {
    gslb: { udp: "rcode 1", tcp: "rcode 1" },
    nsd: { udp: "rcode 1", tcp: "no reply, closed" },
    why: SHORT_TCP,
  },
  "random question 0": {
    gslb: { udp: "rcode 1", tcp: "rcode 1" },
    nsd: { udp: "rcode 1", tcp: "no reply, closed" },
    why: SHORT_TCP,
  },
  "random garbage 0": {
    gslb: { udp: "rcode 4", tcp: "rcode 4" },
    nsd: { udp: "rcode 4 TC", tcp: "no reply, closed" },
    why: `${TC_ECHOED}; ${SHORT_TCP}`,
  },
  "random garbage 1": {
    gslb: { udp: "rcode 4", tcp: "rcode 4" },
    nsd: { udp: "rcode 4 TC", tcp: "rcode 4 TC" },
    why: TC_ECHOED,
  },
  "opcode 1 with TC=1": {
    gslb: { udp: "rcode 4", tcp: "rcode 4" },
    nsd: { udp: "rcode 4 TC", tcp: "rcode 4 TC" },
    why: TC_ECHOED,
  },
  "opcode 4": {
    gslb: { udp: "rcode 4", tcp: "rcode 4" },
    nsd: { udp: "rcode 3", tcp: "rcode 3" },
    why: "NOTIFY: NSD processes it (it can be a secondary); gslb serves no secondaries and answers NOTIMP to every opcode but QUERY",
  },
  ...Object.fromEntries(
    BAD_ECS.map(([title]) => [
      title,
      { gslb: formerrWithOpt, nsd: { udp: "rcode 0 OPT", tcp: "rcode 0 OPT" }, why: ECS_FORMERR },
    ]),
  ),
  "an option longer than the OPT": {
    gslb: formerrWithOpt,
    nsd: { udp: "rcode 1", tcp: "rcode 1" },
    why: OPT_ECHOED,
  },
  "two OPT records": { gslb: formerrWithOpt, nsd: { udp: "rcode 1", tcp: "rcode 1" }, why: OPT_ECHOED },
  "OPT with a non-root owner": {
    gslb: formerrWithOpt,
    nsd: { udp: "rcode 1", tcp: "rcode 1" },
    why: OPT_ECHOED,
  },
  "NSID option longer than the OPT": {
    gslb: formerrWithOpt,
    nsd: { udp: "rcode 1", tcp: "rcode 1" },
    why: OPT_ECHOED,
  },
  "OPT RDATA ending inside an option header": {
    gslb: formerrWithOpt,
    nsd: { udp: "rcode 1", tcp: "rcode 1" },
    why: OPT_ECHOED,
  },
};

let gslb: TestServer;
let nsd: NsdServer;

beforeAll(async () => {
  const [ours, theirs] = await Promise.allSettled([
    startTestServer({ "example.com.yaml": EXAMPLE_ZONE_YAML }),
    startNsd([{ origin: "example.com.", text: EXAMPLE_ZONE_MASTER }]),
  ]);
  // Keep whichever started, so that afterAll stops it even when the other failed.
  if (ours.status === "fulfilled") gslb = ours.value;
  if (theirs.status === "fulfilled") nsd = theirs.value;
  if (ours.status === "rejected") throw ours.reason;
  if (theirs.status === "rejected") throw theirs.reason;
}, 30_000);

afterAll(async () => {
  await Promise.all([gslb?.stop(), nsd?.stop()]);
});

function describeReply(reply: Buffer | null): string {
  if (reply === null) return "no reply";
  const s = summarise(reply);
  return `rcode ${s.rcode}${s.tc ? " TC" : ""}${s.opt ? " OPT" : ""}`;
}

/**
 * NSD answers at most 100 error replies a second (ERROR_RATELIMIT in query.c, not configurable) and drops
 * the rest, so exchanges with NSD are paced: one every 25 ms is at most 80 error replies a second.
 */
let lastNsdExchange = 0;
async function nsdTurn(): Promise<void> {
  const wait = lastNsdExchange + 25 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  lastNsdExchange = Date.now();
}

async function outcome(target: Target, bytes: Buffer): Promise<Outcome> {
  if (target === nsd) await nsdTurn();
  const [udp, tcp] = await Promise.all([udpExchange(target, bytes, WWW), tcpExchange(target, bytes, WWW)]);
  return { udp: describeReply(udp), tcp: `${describeReply(tcp.reply)}${tcp.closed ? ", closed" : ""}` };
}

describe("malformed packets: gslb's listeners answer as NSD does", () => {
  const equal = BATTERY.filter(([title]) => ACCEPTED_DIFFERENCES[title] === undefined);
  const different = BATTERY.flatMap(([title, bytes]) => {
    const accepted = ACCEPTED_DIFFERENCES[title];
    return accepted === undefined ? [] : [[title, bytes, accepted] as const];
  });

  it.each(equal)("%s", async (_title, bytes) => {
    const [ours, theirs] = await Promise.all([outcome(gslb, bytes), outcome(nsd, bytes)]);
    expect(ours).toEqual(theirs);
  });

  it.each(different)("accepted difference: %s", async (_title, bytes, accepted) => {
    const [ours, theirs] = await Promise.all([outcome(gslb, bytes), outcome(nsd, bytes)]);
    expect({ gslb: ours, nsd: theirs }).toEqual({ gslb: accepted.gslb, nsd: accepted.nsd });
  });

  it("every accepted difference names a packet of the battery", () => {
    const titles = new Set(BATTERY.map(([title]) => title));
    expect(Object.keys(ACCEPTED_DIFFERENCES).filter((t) => !titles.has(t))).toEqual([]);
  });

  it("the battery covers every kind of outcome: an answer, a drop, FORMERR, NOTIMP, REFUSED and BADVERS", async () => {
    const kinds = new Set<string>();
    for (const [, bytes] of BATTERY) kinds.add((await outcome(gslb, bytes)).udp.replace(/ (TC|OPT)/g, ""));
    expect([...kinds].sort()).toEqual(["no reply", "rcode 0", "rcode 1", "rcode 16", "rcode 4", "rcode 5"]);
  });

  it("still answers a normal query after the battery, over UDP and TCP, with no handler failure", async () => {
    const bytes = query(0x7777, "WwW.Example.COM.");
    const [udp, tcp] = await Promise.all([udpExchange(gslb, bytes, WWW), tcpExchange(gslb, bytes, WWW)]);
    for (const reply of [udp, tcp.reply]) {
      expect(reply).not.toBeNull();
      expect(summarise(reply!)).toMatchObject({ id: 0x7777, rcode: 0, aa: true, ancount: 1 });
    }
    expect(tcp.closed).toBe(false);
    expect(gslb.server.listeners.handlerFailures).toBe(0);
  });
});
