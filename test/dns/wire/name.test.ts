import { describe, expect, it } from "vitest";
import { nameFromLabels } from "../../../src/dns/presentation.ts";
import {
  NameCompressor,
  NameError,
  canonicalName,
  encodeNameText,
  nameToWire,
  newNameSink,
  readName,
  readNameLower,
} from "../../../src/dns/wire/name.ts";

const label = (n: number, byte = 0x61): number[] => [n, ...Array<number>(n).fill(byte)];

describe("readName: wire to presentation", () => {
  const good: { name: string; bytes: number[]; offset?: number; text: string; end: number }[] = [
    { name: "root", bytes: [0], text: ".", end: 1 },
    { name: "plain", bytes: [3, 0x77, 0x77, 0x77, 2, 0x6e, 0x6c, 0], text: "www.nl.", end: 8 },
    { name: "case kept", bytes: [3, 0x57, 0x77, 0x57, 0], text: "WwW.", end: 5 },
    { name: "dot in label", bytes: [3, 0x61, 0x2e, 0x62, 0], text: "a\\.b.", end: 5 },
    { name: "backslash", bytes: [1, 0x5c, 0], text: "\\092.", end: 3 },
    { name: "space and 0xff", bytes: [2, 0x20, 0xff, 0], text: "\\032\\255.", end: 4 },
    { name: "underscore, star, hyphen", bytes: [5, 0x5f, 0x2a, 0x2d, 0x30, 0x39, 0], text: "_*-09.", end: 7 },
    { name: "63-byte label", bytes: [...label(63), 0], text: "a".repeat(63) + ".", end: 65 },
    {
      name: "pointer back to a prior name",
      bytes: [3, 0x63, 0x6f, 0x6d, 0, 1, 0x61, 0xc0, 0],
      offset: 5,
      text: "a.com.",
      end: 9,
    },
    {
      name: "pointer to a pointer",
      bytes: [3, 0x63, 0x6f, 0x6d, 0, 0xc0, 0, 1, 0x62, 0xc0, 5],
      offset: 7,
      text: "b.com.",
      end: 11,
    },
    {
      // 4 labels of 63 + length bytes = 256 - 1 (the root) = 255 bytes exactly
      name: "255 bytes exactly",
      bytes: [...label(63), ...label(63), ...label(63), ...label(61), 0],
      text: `${"a".repeat(63)}.${"a".repeat(63)}.${"a".repeat(63)}.${"a".repeat(61)}.`,
      end: 255,
    },
  ];
  it.each(good)("reads $name", ({ bytes, offset, text, end }) => {
    const sink = newNameSink();
    expect(readName(Uint8Array.from(bytes), offset ?? 0, sink)).toBe(end);
    expect(sink.text).toBe(text);
    expect(sink.hasUpper).toBe(text !== text.toLowerCase());
  });

  const bad: { name: string; bytes: number[]; offset?: number; error: number }[] = [
    { name: "empty", bytes: [], error: NameError.TRUNCATED },
    { name: "no root byte", bytes: [1, 0x61], error: NameError.TRUNCATED },
    { name: "label past the end", bytes: [5, 0x61, 0x61], error: NameError.TRUNCATED },
    { name: "half a pointer", bytes: [0xc0], error: NameError.TRUNCATED },
    { name: "pointer to itself", bytes: [0xc0, 0], error: NameError.BAD_POINTER },
    { name: "forward pointer", bytes: [0xc0, 2, 0], error: NameError.BAD_POINTER },
    { name: "loop of two pointers", bytes: [0xc0, 2, 0xc0, 0], offset: 2, error: NameError.BAD_POINTER },
    { name: "loop through a label", bytes: [1, 0x61, 0xc0, 0], error: NameError.BAD_POINTER },
    { name: "label type 0x40", bytes: [0x41, 0x61, 0], error: NameError.BAD_LABEL_TYPE },
    { name: "label type 0x80", bytes: [0x81, 0x61, 0], error: NameError.BAD_LABEL_TYPE },
    {
      name: "256 bytes",
      bytes: [...label(63), ...label(63), ...label(63), ...label(62), 0],
      error: NameError.TOO_LONG,
    },
    {
      name: "over 255 through pointers",
      bytes: [...label(63), ...label(63), ...label(63), 0, ...label(63), 0xc0, 0],
      offset: 193,
      error: NameError.TOO_LONG,
    },
  ];
  it.each(bad)("rejects $name", ({ bytes, offset, error }) => {
    expect(readName(Uint8Array.from(bytes), offset ?? 0, newNameSink())).toBe(error);
  });
});

describe("encodeNameText: presentation to wire", () => {
  const good: { text: string; wire: number[] }[] = [
    { text: ".", wire: [0] },
    { text: "", wire: [0] },
    { text: "a.", wire: [1, 0x61, 0] },
    { text: "a", wire: [1, 0x61, 0] },
    { text: "A.b.", wire: [1, 0x41, 1, 0x62, 0] },
    { text: "a\\.b.", wire: [3, 0x61, 0x2e, 0x62, 0] },
    { text: "\\065\\255.", wire: [2, 0x41, 0xff, 0] },
    { text: "\\\\.", wire: [1, 0x5c, 0] },
    { text: `${"x".repeat(63)}.`, wire: [63, ...Array<number>(63).fill(0x78), 0] },
  ];
  it.each(good)("encodes $text", ({ text, wire }) => {
    expect([...nameToWire(text)!]).toEqual(wire);
  });

  const bad: { text: string; error: number }[] = [
    { text: "a..b.", error: NameError.BAD_TEXT },
    { text: "..", error: NameError.BAD_TEXT },
    { text: `${"x".repeat(64)}.`, error: NameError.BAD_TEXT },
    { text: "\\256.", error: NameError.BAD_TEXT },
    { text: "\\12.", error: NameError.BAD_TEXT },
    { text: "a\\", error: NameError.BAD_TEXT },
    { text: "é.", error: NameError.BAD_TEXT },
    { text: "\\é.", error: NameError.BAD_TEXT },
    { text: `${"x".repeat(63)}.`.repeat(4), error: NameError.TOO_LONG },
  ];
  it.each(bad)("rejects $text", ({ text, error }) => {
    expect(encodeNameText(text, new Uint8Array(300), 0, null)).toBe(error);
  });

  it.each([
    ["WWW.Example.COM", "www.example.com."],
    ["a\\046b.", "a\\.b."],
    ["\\097.", "a."],
    ["\\\\.", "\\092."],
    ["\\(x\\).", "\\040x\\041."],
  ])("canonicalName(%s) is %s", (text, canonical) => {
    expect(canonicalName(text)).toBe(canonical);
  });

  it("gives the same canonical Name as src/dns/presentation.ts for every byte value (the lookup key)", () => {
    for (let b = 0; b < 256; b++) {
      expect(readNameLower(Uint8Array.of(2, b, 0x41, 0), 0)!.name).toBe(nameFromLabels([[b, 0x41]]));
    }
  });

  it("round trips presentation → wire → presentation for every byte value", () => {
    for (let b = 0; b < 256; b++) {
      const wire = Uint8Array.of(1, b, 0);
      const text = readNameLower(wire, 0)!.name;
      const lowered = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
      expect([...nameToWire(text)!]).toEqual([1, lowered, 0]);
    }
  });
});

describe("NameCompressor", () => {
  function setup(): { msg: Uint8Array; names: NameCompressor } {
    const msg = new Uint8Array(512);
    const names = new NameCompressor();
    // the question "WwW.Example.com." written at 12, as the writer does
    const q = nameToWire("WwW.Example.com.")!;
    msg.set(q, 12);
    names.registerQuestion(msg, 12, "www.example.com.");
    return { msg, names };
  }
  const start = 12 + 17 + 4;

  const cases: { name: string; bytes: number[] }[] = [
    { name: "www.example.com.", bytes: [0xc0, 12] },
    { name: "WWW.EXAMPLE.COM.", bytes: [0xc0, 12] },
    { name: "example.com.", bytes: [0xc0, 16] },
    { name: "com.", bytes: [0xc0, 24] },
    { name: "mail.example.com.", bytes: [4, 0x6d, 0x61, 0x69, 0x6c, 0xc0, 16] },
    { name: "example.org.", bytes: [7, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 3, 0x6f, 0x72, 0x67, 0] },
    { name: ".", bytes: [0] },
  ];
  it.each(cases)("compresses $name against the question", ({ name, bytes }) => {
    const { msg, names } = setup();
    const end = names.write(msg, start, 512, name, true, true);
    expect([...msg.subarray(start, end)]).toEqual(bytes);
  });

  it("does not compress when asked not to (SRV targets)", () => {
    const { msg, names } = setup();
    const end = names.write(msg, start, 512, "www.example.com.", false, false);
    expect([...msg.subarray(start, end)]).toEqual([...nameToWire("www.example.com.")!]);
  });

  it("compresses against names written earlier, and forgets them after a rollback", () => {
    const { msg, names } = setup();
    const mark = names.mark();
    const first = names.write(msg, start, 512, "a.example.org.", true, true);
    const second = names.write(msg, first, 512, "b.example.org.", true, true);
    expect([...msg.subarray(first, second)]).toEqual([1, 0x62, 0xc0, start + 2]);
    names.rollback(mark);
    const again = names.write(msg, start, 512, "b.example.org.", true, true);
    expect(again - start).toBe(nameToWire("b.example.org.")!.length);
  });

  it("reports NO_SPACE instead of writing past the limit, and BAD_TEXT for a bad name", () => {
    const { msg, names } = setup();
    expect(names.write(msg, start, start + 5, "example.org.", true, true)).toBe(NameError.NO_SPACE);
    expect(names.write(msg, start, start + 2, "www.example.com.", true, true)).toBe(start + 2);
    expect(names.write(msg, start, start + 1, "www.example.com.", true, true)).toBe(NameError.NO_SPACE);
    expect(names.write(msg, start, 512, "a..b.", true, true)).toBe(NameError.BAD_TEXT);
  });

  it("decodes what it wrote to the same names", () => {
    const { msg, names } = setup();
    const list = [
      "ns1.example.com.",
      "example.com.",
      "x.ns1.example.com.",
      "other.net.",
      "y.other.net.",
      ".",
    ];
    const offsets: number[] = [];
    let pos = start;
    for (const n of list) {
      offsets.push(pos);
      pos = names.write(msg, pos, 512, n, true, true);
    }
    expect(offsets.map((o) => readNameLower(msg.subarray(0, pos), o)!.name)).toEqual(list);
  });
});
