/**
 * Real clients (`dig` from BIND, `kdig` from Knot) against gslb serving the bundled example zones and a test
 * zone with an RRset too big for UDP: UDP and TCP, with and without EDNS, NSID, ECS, CHAOS, 0x20 case,
 * truncation then TCP retry, and IPv6.
 */
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dig } from "../../helpers/dig.ts";
import { startTestServer, type TestServer } from "../../helpers/gslb-server.ts";

const EXAMPLES = ["example.com.yaml", "2.0.192.in-addr.arpa.yaml"];
const BIG_COUNT = 32;
const TEST_ZONE = `zone: clients.test.
ttl: 300
records:
  "@":
    SOA: ns1 hostmaster 1 3600 600 86400 300
    NS: ns1
  ns1:
    A: 192.0.2.1
  big:
    TXT: [${Array.from({ length: BIG_COUNT }, (_, i) => `'"${String(i).padStart(2, "0")}${"t".repeat(200)}"'`).join(", ")}]
`;

function zoneFiles(): Record<string, string> {
  const files: Record<string, string> = { "clients.test.yaml": TEST_ZONE };
  for (const name of EXAMPLES)
    files[name] = readFileSync(join(import.meta.dirname, "../../../zones", name), "utf8");
  return files;
}

interface AnswerRecord {
  readonly owner: string;
  readonly ttl: number;
  readonly class: string;
  readonly type: string;
  readonly data: string;
}

/** What the tests read from dig's or kdig's default output (both print the same sections, a little differently). */
interface Reply {
  readonly status: string;
  readonly flags: readonly string[];
  readonly answerCount: number;
  readonly edns: boolean;
  readonly nsid: string | null;
  readonly subnet: string | null;
  readonly question: string | null;
  readonly answer: readonly AnswerRecord[];
  readonly transport: string | null;
  readonly retriedOverTcp: boolean;
}

/** Lines of the section that starts with `;; NAME SECTION:`, up to the next blank line. */
function section(lines: readonly string[], name: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(`;; ${name} SECTION:`));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === "");
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function parseDigOutput(text: string): Reply {
  const lines = text.split("\n");
  // With a TC retry dig prints two replies; the last header is the final answer.
  const headers = [...text.matchAll(/->>HEADER<<- opcode: \w+[,;] status: (\w+)/g)];
  const flagLines = [...text.matchAll(/;; flags: ([^;]*);.*ANSWER: (\d+)/gi)];
  const status = headers.at(-1)?.[1];
  const flags = flagLines.at(-1);
  if (status === undefined || flags === undefined) throw new Error(`not a DNS reply:\n${text}`);
  const answer = section(lines, "ANSWER").map((line) => {
    const [owner, ttl, cls, type, ...data] = line.trim().split(/\s+/);
    return { owner: owner!, ttl: Number(ttl), class: cls!, type: type!, data: data.join(" ") };
  });
  const question =
    section(lines, "QUESTION")[0]
      ?.replace(/^;+\s*/, "")
      .split(/\s+/)[0] ?? null;
  return {
    status,
    flags: flags[1]!.trim().split(/\s+/),
    answerCount: Number(flags[2]),
    edns: /OPT PSEUDOSECTION|EDNS PSEUDOSECTION/.test(text),
    nsid: /NSID: .*"([^"]*)"/.exec(text)?.[1] ?? null,
    subnet: /CLIENT-SUBNET: (\S+)/.exec(text)?.[1] ?? null,
    question,
    answer,
    transport: /(?:SERVER: \S+ |From \S+)\((UDP|TCP)\)/.exec(text)?.[1] ?? null,
    retriedOverTcp: /Truncated, retrying in TCP mode|retrying over TCP/i.test(text),
  };
}

type Tool = "dig" | "kdig";

async function ask(tool: Tool, server: TestServer, args: readonly string[]): Promise<Reply> {
  const once = tool === "dig" ? ["+time=2", "+tries=1"] : ["+time=2", "+retry=0"];
  return parseDigOutput(await dig([`@${server.host}`, "-p", String(server.port), ...once, ...args], tool));
}

let gslb: TestServer;
let quiet: TestServer;

beforeAll(async () => {
  [gslb, quiet] = await Promise.all([
    startTestServer(zoneFiles(), { nsid: "gslb-test-1", identity: "ns-test.example", version: "gslb 9.9" }),
    startTestServer(zoneFiles(), { identity: "off", version: "off" }),
  ]);
});

afterAll(async () => {
  await Promise.all([gslb?.stop(), quiet?.stop()]);
});

const TOOLS: Tool[] = ["dig", "kdig"];
/** dig sends EDNS unless told not to; kdig only when told to. */
const EDNS = ["+edns=0"];
const MODES: [string, string[], boolean, string][] = [
  ["UDP with EDNS", [...EDNS], true, "UDP"],
  ["UDP without EDNS", ["+noedns"], false, "UDP"],
  ["TCP with EDNS", ["+tcp", ...EDNS], true, "TCP"],
  ["TCP without EDNS", ["+tcp", "+noedns"], false, "TCP"],
];
const CASES = TOOLS.flatMap((tool) =>
  MODES.map(([mode, args, edns, transport]) => [tool, mode, args, edns, transport] as const),
);

describe("dig and kdig over UDP and TCP, with and without EDNS", () => {
  it.each(CASES)(
    "%s, %s: an answer, a name error and a refusal",
    async (tool, _mode, args, edns, transport) => {
      const [answer, nxdomain, refused] = await Promise.all([
        ask(tool, gslb, [...args, "www.example.com", "A"]),
        ask(tool, gslb, [...args, "nothing-here.example.com", "A"]),
        ask(tool, gslb, [...args, "www.example.org", "A"]),
      ]);
      expect(answer).toMatchObject({ status: "NOERROR", edns, transport, answerCount: 2 });
      expect(answer.flags).toEqual(expect.arrayContaining(["qr", "aa"]));
      expect(answer.flags).not.toContain("ra");
      expect(answer.answer.map((r) => [r.owner.toLowerCase(), r.ttl, r.type, r.data]).sort()).toEqual([
        ["www.example.com.", 300, "A", "192.0.2.10"],
        ["www.example.com.", 300, "A", "192.0.2.11"],
      ]);
      expect(nxdomain).toMatchObject({ status: "NXDOMAIN", edns, answerCount: 0 });
      expect(nxdomain.flags).toContain("aa");
      expect(refused).toMatchObject({ status: "REFUSED", edns, answerCount: 0 });
      expect(refused.flags).not.toContain("aa");
    },
  );
});

describe("EDNS options", () => {
  it.each(TOOLS)(
    "%s +nsid: the configured NSID, and none when not asked for or not configured",
    async (tool) => {
      const [asked, notAsked, notConfigured] = await Promise.all([
        ask(tool, gslb, ["+nsid", "www.example.com"]),
        ask(tool, gslb, ["www.example.com"]),
        ask(tool, quiet, ["+nsid", "www.example.com"]),
      ]);
      expect([asked.nsid, notAsked.nsid, notConfigured.nsid]).toEqual(["gslb-test-1", null, null]);
    },
  );

  it.each([
    ["dig", "192.0.2.0/24", "192.0.2.0/24/0"],
    ["kdig", "192.0.2.0/24", "192.0.2.0/24/0"],
    ["dig", "2001:db8:1200::/40", "2001:db8:1200::/40/0"],
    ["kdig", "2001:db8:1200::/40", "2001:db8:1200::/40/0"],
  ] as const)("%s +subnet=%s is echoed with scope 0 for static data", async (tool, subnet, echoed) => {
    const reply = await ask(tool, gslb, [`+subnet=${subnet}`, "www.example.com"]);
    expect(reply).toMatchObject({ status: "NOERROR", subnet: echoed, answerCount: 2 });
  });

  it.each(TOOLS)("%s without +subnet gets no ECS back", async (tool) => {
    expect((await ask(tool, gslb, ["www.example.com"])).subnet).toBeNull();
  });
});

describe("CHAOS TXT", () => {
  it.each([
    ["id.server", "ns-test.example"],
    ["hostname.bind", "ns-test.example"],
    ["version.bind", "gslb 9.9"],
    ["version.server", "gslb 9.9"],
  ])("%s answers %j, and REFUSED when turned off", async (name, text) => {
    const [on, off] = await Promise.all([
      ask("dig", gslb, ["-c", "CH", "-t", "TXT", name]),
      ask("dig", quiet, ["-c", "CH", "-t", "TXT", name]),
    ]);
    expect(on).toMatchObject({ status: "NOERROR", answerCount: 1 });
    expect(on.answer[0]).toMatchObject({ class: "CH", type: "TXT", data: JSON.stringify(text) });
    expect(off).toMatchObject({ status: "REFUSED", answerCount: 0 });
  });

  it("another CHAOS name is REFUSED", async () => {
    expect((await ask("dig", gslb, ["-c", "CH", "-t", "TXT", "authors.bind"])).status).toBe("REFUSED");
  });
});

describe("0x20: the question's case is echoed", () => {
  it.each([["WwW.ExAmPlE.CoM."], ["www.EXAMPLE.com."], ["SHOP.example.com."]])("%s", async (qname) => {
    const reply = await ask("dig", gslb, [qname, "A"]);
    expect(reply.question).toBe(qname);
    expect(reply.answer.length).toBeGreaterThan(0);
    expect(reply.answer[0]!.owner).toBe(qname);
  });
});

describe("truncation", () => {
  it.each(TOOLS)("%s: a big RRset over UDP comes back with TC, then whole over TCP", async (tool) => {
    const truncated = await ask(tool, gslb, ["+ignore", "+noedns", "big.clients.test", "TXT"]);
    expect(truncated.flags).toContain("tc");
    expect(truncated.answerCount).toBeLessThan(BIG_COUNT);
    const truncatedWithEdns = await ask(tool, gslb, ["+ignore", ...EDNS, "big.clients.test", "TXT"]);
    expect(truncatedWithEdns.flags).toContain("tc");
    expect(truncatedWithEdns.edns).toBe(true);

    const retried = await ask(tool, gslb, ["big.clients.test", "TXT"]);
    expect(retried).toMatchObject({ status: "NOERROR", transport: "TCP", answerCount: BIG_COUNT });
    expect(retried.flags).not.toContain("tc");
    expect(new Set(retried.answer.map((r) => r.data.slice(1, 3))).size).toBe(BIG_COUNT);
  });

  it.each(TOOLS)("%s: a small answer over UDP has no TC", async (tool) => {
    const reply = await ask(tool, gslb, ["+ignore", "+noedns", "ns1.clients.test", "A"]);
    expect(reply.flags).not.toContain("tc");
    expect(reply).toMatchObject({ transport: "UDP", answerCount: 1 });
  });
});

describe("IPv6", () => {
  const hasLoopback6 = Object.values(networkInterfaces())
    .flat()
    .some((i) => i?.family === "IPv6" && i.address === "::1");

  it("this machine has ::1 (the IPv6 test below needs it)", () => {
    expect(hasLoopback6).toBe(true);
  });

  it.runIf(hasLoopback6).each(TOOLS)("%s -6 against a server on [::1]:0, over UDP and TCP", async (tool) => {
    const v6 = await startTestServer(zoneFiles(), { dns: ["[::1]:0"] });
    try {
      expect(v6.host).toBe("::1");
      const [udp, tcp] = await Promise.all([
        ask(tool, v6, ["-6", "www.example.com", "AAAA"]),
        ask(tool, v6, ["-6", "+tcp", "www.example.com", "AAAA"]),
      ]);
      for (const [reply, transport] of [
        [udp, "UDP"],
        [tcp, "TCP"],
      ] as const) {
        expect(reply).toMatchObject({ status: "NOERROR", transport, answerCount: 2 });
        expect(reply.answer.map((r) => r.data).sort()).toEqual(["2001:db8::10", "2001:db8::11"]);
      }
    } finally {
      await v6.stop();
    }
  });
});
