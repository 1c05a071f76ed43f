import { describe, expect, it } from "vitest";
import { createRequestIds } from "../../src/proxy/request-id.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request ids", () => {
  it.each([
    { random: "00000000000000000000", first: "00000000-0000-4000-8000-000000000001" },
    { random: "ffffffffffffffffffff", first: "ffffffff-ffff-4fff-bfff-000000000001" },
    { random: "0123456789abcdef0123", first: "01234567-89ab-4cde-b012-000000000001" },
  ])("from random bytes $random the first id is $first", ({ random, first }) => {
    const next = createRequestIds(Buffer.from(random, "hex"));
    expect(next()).toBe(first);
    expect(next()).toBe(first.replace(/1$/, "2"));
  });

  it("are UUID-shaped (version 4, RFC 4122 variant) and distinct", () => {
    const next = createRequestIds();
    const ids = Array.from({ length: 1000 }, () => next());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("two processes (two sources) do not share a prefix", () => {
    const a = createRequestIds()();
    const b = createRequestIds()();
    expect(a.slice(0, 24)).not.toBe(b.slice(0, 24));
  });
});
