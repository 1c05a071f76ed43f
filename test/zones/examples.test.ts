/** The example zones that `npm start` serves: valid, and the names they promise resolve inside the zone. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../src/errors.ts";
import { checkPath, loadZones } from "../../src/zones/loader.ts";
import { lookup } from "../../src/zones/lookup.ts";
import { render } from "./helpers.ts";

const ZONES = join(import.meta.dirname, "../../zones");

describe("zones/", () => {
  it("passes gslb check", async () => {
    expect((await checkPath(ZONES)).map(formatProblem)).toEqual([]);
  });

  const cases: [string, number, string][] = [
    ["ns1.example.com.", 1, "answer"],
    ["ns2.example.com.", 28, "answer"],
    ["www.example.com.", 28, "answer"],
    ["shop.example.com.", 1, "answer"],
    ["anything.apps.example.com.", 1, "answer"],
    ["_sip._tcp.example.com.", 33, "answer"],
    ["host.dev.example.com.", 1, "referral"],
    ["nope.example.com.", 1, "nxdomain"],
    ["10.2.0.192.in-addr.arpa.", 12, "answer"],
    ["example.org.", 1, "refused"],
  ];
  it.each(cases)("%s type %d → %s", async (name, type, kind) => {
    const { set } = await loadZones(ZONES);
    expect(lookup(set, name, type).kind).toBe(kind);
  });

  it("serves the long TXT record as several 255-byte strings", async () => {
    const { set } = await loadZones(ZONES);
    const txt = lookup(set, "long.example.com.", 16).answer[0]?.rdata[0];
    expect(txt?.kind === "TXT" && txt.strings.length > 1 && txt.strings[0]!.length).toBe(255);
  });

  it("answers the apex NS with the name servers' addresses from the zone", async () => {
    const { set } = await loadZones(ZONES);
    expect(render(lookup(set, "example.com.", 2)).filter((l) => l.startsWith("additional:"))).toHaveLength(4);
  });
});
