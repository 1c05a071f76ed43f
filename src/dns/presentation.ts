/**
 * RFC 1035 presentation format for names and record data: text → the structured `Rdata` of types.ts, and
 * back to the text dig/kdig print. Used at load time and by import/explain, never on the query path.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Name, Rdata } from "./types.ts";
import { RRType } from "./types.ts";

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };
export type RdataParse =
  { readonly ok: true; readonly rdata: Rdata } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

// ---------------------------------------------------------------------------------------------------------
// Types

/** Types we never hold in a zone: meta types and the ones whose semantics we do not implement. */
const OTHER_TYPES: Readonly<Record<string, number>> = {
  MD: 3,
  MF: 4,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  HINFO: 13,
  MINFO: 14,
  RP: 17,
  AFSDB: 18,
  X25: 19,
  ISDN: 20,
  RT: 21,
  NSAP: 22,
  SIG: 24,
  KEY: 25,
  PX: 26,
  GPOS: 27,
  LOC: 29,
  NXT: 30,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  A6: 38,
  DNAME: 39,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  EUI48: 108,
  EUI64: 109,
  TKEY: 249,
  TSIG: 250,
  MAILB: 253,
  MAILA: 254,
  URI: 256,
};

const TYPE_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...Object.entries(RRType),
  ...Object.entries(OTHER_TYPES),
]);
const NAME_BY_TYPE: ReadonlyMap<number, string> = new Map(
  [...TYPE_BY_NAME].map(([name, code]) => [code, name] as const),
);

/** "MX" → 15, "type65" → 65; undefined for an unknown mnemonic. */
export function typeFromText(text: string): number | undefined {
  const upper = text.toUpperCase();
  const known = TYPE_BY_NAME.get(upper);
  if (known !== undefined) return known;
  const generic = /^TYPE(\d{1,5})$/.exec(upper);
  if (generic === null) return undefined;
  const code = Number(generic[1]);
  return code <= 0xffff ? code : undefined;
}

/** 15 → "MX", 65 → "HTTPS", 65280 → "TYPE65280". */
export function typeToText(type: number): string {
  return NAME_BY_TYPE.get(type) ?? `TYPE${type}`;
}

// ---------------------------------------------------------------------------------------------------------
// Names

const MAX_LABEL = 63;
const MAX_NAME_WIRE = 255;

/** Decode one label's presentation text (escapes \X and \DDD) to bytes. */
function decodeEscapes(text: string, what: string): Parsed<number[]> {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 0x5c) {
      if (ch > 0x7e) return fail(`${what}: non-ASCII character "${text[i]}" (write it as \\DDD)`);
      bytes.push(ch);
      continue;
    }
    const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
    if (digits !== null) {
      const value = Number(digits[0]);
      if (value > 255) return fail(`${what}: escape \\${digits[0]} is over 255`);
      bytes.push(value);
      i += 3;
    } else if (i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0x30 && next <= 0x39) return fail(`${what}: \\DDD escape needs exactly three digits`);
      bytes.push(next);
      i += 1;
    } else {
      return fail(`${what}: dangling backslash at the end`);
    }
  }
  return ok(bytes);
}

/** Split presentation text on unescaped dots. */
function splitLabels(text: string): string[] {
  const labels: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i += /^\d{3}/.test(text.slice(i + 1, i + 4)) ? 3 : 1;
    else if (ch === ".") {
      labels.push(text.slice(start, i));
      start = i + 1;
    }
  }
  labels.push(text.slice(start));
  return labels;
}

function isLiteralNameByte(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f || b === 0x2a;
}

/** The canonical text of one label (types.ts): lower case, `\.` for a dot, \DDD for other specials. */
export function canonicalLabel(bytes: ArrayLike<number>): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (isLiteralNameByte(b)) out += String.fromCharCode(b);
    else if (b === 0x2e) out += "\\.";
    else out += "\\" + String(b).padStart(3, "0");
  }
  return out;
}

/** Absolute canonical name from wire labels (without the root label). */
export function nameFromLabels(labels: readonly ArrayLike<number>[]): Name {
  return labels.length === 0 ? "." : labels.map(canonicalLabel).join(".") + ".";
}

/** The labels of a canonical name as their canonical texts, leftmost first; [] for the root. */
export function nameLabels(name: Name): string[] {
  if (name === ".") return [];
  return splitLabels(name.slice(0, -1));
}

/** The parent of a canonical name ("a.b." → "b.", "b." → "."); undefined for the root. */
export function parentName(name: Name): Name | undefined {
  if (name === ".") return undefined;
  const labels = nameLabels(name);
  return labels.length === 1 ? "." : labels.slice(1).join(".") + ".";
}

/** True when `name` equals `zone` or lies below it (both canonical). */
export function isSubdomain(name: Name, zone: Name): boolean {
  if (zone === ".") return true;
  if (name === zone) return true;
  if (!name.endsWith("." + zone)) return false;
  // "a\.example.com." must not count as below "example.com.": the dot before the zone must be unescaped.
  return !name.slice(0, name.length - zone.length - 1).endsWith("\\");
}

/**
 * Parse a domain name in presentation form. `@` is the origin; a name without a trailing dot is relative to
 * the origin. The result is canonical (types.ts).
 */
export function parseName(text: string, origin: Name): Parsed<Name> {
  if (text === "@") return ok(origin);
  if (text === "") return fail("empty name");
  if (text === ".") return ok(".");
  const labelsText = splitLabels(text);
  const absolute = labelsText.length > 1 && labelsText[labelsText.length - 1] === "";
  if (absolute) labelsText.pop();
  const labels: string[] = [];
  let wire = 1;
  for (const labelText of labelsText) {
    if (labelText === "") return fail(`name "${text}" has an empty label`);
    const bytes = decodeEscapes(labelText, `name "${text}"`);
    if (!bytes.ok) return bytes;
    if (bytes.value.length > MAX_LABEL) return fail(`name "${text}": label longer than 63 bytes`);
    wire += bytes.value.length + 1;
    labels.push(canonicalLabel(bytes.value));
  }
  const relative = labels.join(".") + ".";
  const name = absolute ? relative : origin === "." ? relative : relative + origin;
  if (!absolute) wire += origin === "." ? 0 : wireLength(origin) - 1;
  if (wire > MAX_NAME_WIRE) return fail(`name "${text}" is longer than 255 bytes`);
  return ok(name);
}

function wireLength(name: Name): number {
  let length = 1;
  for (const label of nameLabels(name)) {
    const bytes = decodeEscapes(label, "name");
    length += (bytes.ok ? bytes.value.length : label.length) + 1;
  }
  return length;
}

const DISPLAY_SPECIAL = new Set([0x22, 0x24, 0x28, 0x29, 0x2e, 0x3b, 0x40, 0x5c]);

/** A canonical name as dig prints it: specials `"$().;@\` backslash-escaped, non-printables as \DDD. */
export function nameToText(name: Name): string {
  if (name === ".") return ".";
  return (
    nameLabels(name)
      .map((label) => {
        const bytes = decodeEscapes(label, "name");
        if (!bytes.ok) return label;
        let out = "";
        for (const b of bytes.value) {
          if (b <= 0x20 || b >= 0x7f) out += "\\" + String(b).padStart(3, "0");
          else if (DISPLAY_SPECIAL.has(b)) out += "\\" + String.fromCharCode(b);
          else out += String.fromCharCode(b);
        }
        return out;
      })
      .join(".") + "."
  );
}

// ---------------------------------------------------------------------------------------------------------
// Tokens of RDATA text

interface Token {
  readonly text: string; // raw text, escapes kept, without the surrounding quotes
  readonly quoted: boolean;
}

/** Split RDATA text on blanks; a quoted string is one token (escapes kept for the caller to decode). */
export function tokenize(text: string): Parsed<Token[]> {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) return fail("unterminated quoted string");
      tokens.push({ text: text.slice(i + 1, j), quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s"]/.test(text[j]!)) j += text[j] === "\\" ? 2 : 1;
    tokens.push({ text: text.slice(i, Math.min(j, text.length)), quoted: false });
    i = j;
  }
  return ok(tokens);
}

// ---------------------------------------------------------------------------------------------------------
// Numbers and addresses

function parseUint(text: string | undefined, bits: 8 | 16 | 32, what: string): Parsed<number> {
  if (text === undefined) return fail(`missing ${what}`);
  if (!/^\d+$/.test(text)) return fail(`${what} "${text}" is not a number`);
  const value = Number(text);
  const max = 2 ** bits - 1;
  if (value > max) return fail(`${what} ${text} is over ${max}`);
  return ok(value);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A TTL or SOA timer: seconds, or BIND units like "1h30m", "2d". */
export function parseDuration(text: string | undefined, what: string): Parsed<number> {
  if (text === undefined) return fail(`missing ${what}`);
  if (/^\d+$/.test(text)) return parseUint(text, 32, what);
  if (!/^(\d+[smhdw])+$/i.test(text)) return fail(`${what} "${text}" is not a number or duration like 1h`);
  let total = 0;
  for (const [, n, unit] of text.toLowerCase().matchAll(/(\d+)([smhdw])/g)) {
    total += Number(n) * UNIT_SECONDS[unit!]!;
  }
  if (total > 0xffffffff) return fail(`${what} ${text} is over 4294967295 seconds`);
  return ok(total);
}

function parseIPv4Bytes(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split(".").map(Number));
}

function parseIPv6Bytes(text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes("%")) return undefined;
  const [headText, tailText] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (part: string | undefined): number[] => {
    if (part === undefined || part === "") return [];
    const out: number[] = [];
    for (const piece of part.split(":")) {
      const v4 = parseIPv4Bytes(piece);
      if (v4 === undefined) out.push(parseInt(piece, 16));
      else out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    }
    return out;
  };
  const head = groups(headText);
  const tail = groups(tailText);
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** IPv6 text exactly as glibc inet_ntop (what dig and kdig print); RFC 5952 canonical. */
export function ipv6ToText(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  const embedsV4 =
    bestBase === 0 &&
    (bestLen === 6 || (bestLen === 7 && words[7] !== 1) || (bestLen === 5 && words[5] === 0xffff));
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      out += ":";
      i += bestLen - 1;
      if (i === 7) out += ":";
      continue;
    }
    if (i > 0) out += ":";
    if (i === 6 && embedsV4) return out + `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
    out += words[i]!.toString(16);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Character strings

const MAX_STRING = 255;

function decodeString(token: Token): Parsed<number[]> {
  const bytes = decodeEscapes(token.text, "string");
  if (!bytes.ok) return bytes;
  return bytes;
}

function chunk(bytes: readonly number[]): Uint8Array[] {
  if (bytes.length === 0) return [new Uint8Array(0)];
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += MAX_STRING)
    out.push(Uint8Array.from(bytes.slice(i, i + MAX_STRING)));
  return out;
}

/** A character-string as dig prints it: quoted, `"` and `\` escaped, non-printables as \DDD. */
export function stringToText(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b < 0x20 || b >= 0x7f) out += "\\" + String(b).padStart(3, "0");
    else if (b === 0x22 || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else out += String.fromCharCode(b);
  }
  return out + '"';
}

// ---------------------------------------------------------------------------------------------------------
// RDATA

function expectCount(tokens: readonly Token[], count: number, shape: string): string | undefined {
  if (tokens.length === count) return undefined;
  return `expected ${count} field${count === 1 ? "" : "s"} (${shape}), got ${tokens.length}`;
}

function nameField(token: Token | undefined, origin: Name): Parsed<Name> {
  if (token === undefined) return fail("missing name");
  if (token.quoted) return fail(`name "${token.text}" must not be quoted`);
  return parseName(token.text, origin);
}

type Parser = (tokens: Token[], origin: Name) => RdataParse;

const rdataOk = (rdata: Rdata): RdataParse => ({ ok: true, rdata });
const rdataFail = (reason: string): RdataParse => ({ ok: false, reason });

function targetParser(kind: "NS" | "CNAME" | "PTR"): Parser {
  return (tokens, origin) => {
    const count = expectCount(tokens, 1, "a domain name");
    if (count !== undefined) return rdataFail(count);
    const target = nameField(tokens[0], origin);
    return target.ok ? rdataOk({ kind, target: target.value }) : rdataFail(target.reason);
  };
}

const PARSERS: Readonly<Record<string, Parser>> = {
  A: (tokens) => {
    const count = expectCount(tokens, 1, "an IPv4 address");
    if (count !== undefined) return rdataFail(count);
    const text = tokens[0]!.text;
    const bytes = parseIPv4Bytes(text);
    if (bytes === undefined) return rdataFail(`"${text}" is not an IPv4 address`);
    return rdataOk({ kind: "A", address: text, bytes });
  },
  AAAA: (tokens) => {
    const count = expectCount(tokens, 1, "an IPv6 address");
    if (count !== undefined) return rdataFail(count);
    const text = tokens[0]!.text;
    const bytes = parseIPv6Bytes(text);
    if (bytes === undefined) return rdataFail(`"${text}" is not an IPv6 address`);
    return rdataOk({ kind: "AAAA", address: ipv6ToText(bytes), bytes });
  },
  NS: targetParser("NS"),
  CNAME: targetParser("CNAME"),
  PTR: targetParser("PTR"),
  MX: (tokens, origin) => {
    const count = expectCount(tokens, 2, "preference exchange");
    if (count !== undefined) return rdataFail(count);
    const preference = parseUint(tokens[0]!.text, 16, "preference");
    if (!preference.ok) return rdataFail(preference.reason);
    const exchange = nameField(tokens[1], origin);
    if (!exchange.ok) return rdataFail(exchange.reason);
    return rdataOk({ kind: "MX", preference: preference.value, exchange: exchange.value });
  },
  SOA: (tokens, origin) => {
    const count = expectCount(tokens, 7, "mname rname serial refresh retry expire minimum");
    if (count !== undefined) return rdataFail(count);
    const mname = nameField(tokens[0], origin);
    if (!mname.ok) return rdataFail(mname.reason);
    const rname = nameField(tokens[1], origin);
    if (!rname.ok) return rdataFail(rname.reason);
    const serial = parseUint(tokens[2]!.text, 32, "serial");
    if (!serial.ok) return rdataFail(serial.reason);
    const timers: number[] = [];
    for (const [i, what] of ["refresh", "retry", "expire", "minimum"].entries()) {
      const timer = parseDuration(tokens[3 + i]!.text, what);
      if (!timer.ok) return rdataFail(timer.reason);
      timers.push(timer.value);
    }
    const [refresh, retry, expire, minimum] = timers as [number, number, number, number];
    return rdataOk({
      kind: "SOA",
      mname: mname.value,
      rname: rname.value,
      serial: serial.value,
      refresh,
      retry,
      expire,
      minimum,
    });
  },
  TXT: (tokens) => {
    if (tokens.length === 0) return rdataFail("expected at least one character-string");
    const strings: Uint8Array[] = [];
    for (const token of tokens) {
      const bytes = decodeString(token);
      if (!bytes.ok) return rdataFail(bytes.reason);
      strings.push(...chunk(bytes.value));
    }
    return rdataOk({ kind: "TXT", strings });
  },
  SRV: (tokens, origin) => {
    const count = expectCount(tokens, 4, "priority weight port target");
    if (count !== undefined) return rdataFail(count);
    const fields: number[] = [];
    for (const [i, what] of ["priority", "weight", "port"].entries()) {
      const field = parseUint(tokens[i]!.text, 16, what);
      if (!field.ok) return rdataFail(field.reason);
      fields.push(field.value);
    }
    const target = nameField(tokens[3], origin);
    if (!target.ok) return rdataFail(target.reason);
    const [priority, weight, port] = fields as [number, number, number];
    return rdataOk({ kind: "SRV", priority, weight, port, target: target.value });
  },
  CAA: (tokens) => {
    const count = expectCount(tokens, 3, 'flags tag "value"');
    if (count !== undefined) return rdataFail(count);
    const flags = parseUint(tokens[0]!.text, 8, "flags");
    if (!flags.ok) return rdataFail(flags.reason);
    const tag = tokens[1]!.text;
    if (!/^[a-zA-Z0-9]{1,15}$/.test(tag)) return rdataFail(`CAA tag "${tag}" must be 1-15 letters or digits`);
    const value = decodeString(tokens[2]!);
    if (!value.ok) return rdataFail(value.reason);
    return rdataOk({
      kind: "CAA",
      flags: flags.value,
      tag: tag.toLowerCase(),
      value: Uint8Array.from(value.value),
    });
  },
};

/** RFC 3597 `\# len hex...`, already split into tokens (the first one is `\#`). */
function parseGeneric(tokens: readonly Token[]): Parsed<Uint8Array> {
  const length = parseUint(tokens[1]?.text, 16, "RFC 3597 length");
  if (!length.ok) return length;
  const hex = tokens
    .slice(2)
    .map((t) => t.text)
    .join("");
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return fail("RFC 3597 data must be an even number of hex digits");
  if (hex.length / 2 !== length.value) {
    return fail(`RFC 3597 length ${length.value} does not match ${hex.length / 2} bytes of data`);
  }
  return ok(Uint8Array.from(Buffer.from(hex, "hex")));
}

/**
 * Parse RDATA presentation text for `type` (a mnemonic like "MX" or "TYPE65"), names relative to `origin`.
 * Our structured types take their own syntax or, for A/AAAA/TXT/CAA, the RFC 3597 generic form; every other
 * type takes only the generic form `\# len hex`.
 */
export function parseRdata(type: string, text: string, origin: Name): RdataParse {
  const code = typeFromText(type);
  if (code === undefined) return rdataFail(`unknown record type "${type}"`);
  const tokens = tokenize(text);
  if (!tokens.ok) return rdataFail(tokens.reason);
  const upper = typeToText(code);
  const parser = PARSERS[upper];
  const generic = tokens.value[0]?.text === "\\#" && tokens.value[0].quoted === false;
  if (generic) {
    const data = parseGeneric(tokens.value);
    if (!data.ok) return rdataFail(data.reason);
    if (parser === undefined) return rdataOk({ kind: "UNKNOWN", type: code, data: data.value });
    return fromGenericKnown(upper, data.value);
  }
  if (parser === undefined) {
    return rdataFail(`type ${upper} is only accepted in the RFC 3597 generic form "\\# length hex"`);
  }
  return parser(tokens.value, origin);
}

/** The generic form of a type we structure: only the types without names (names would need a wire reader). */
function fromGenericKnown(type: string, data: Uint8Array): RdataParse {
  switch (type) {
    case "A":
      return data.length === 4
        ? rdataOk({ kind: "A", address: Array.from(data).join("."), bytes: data })
        : rdataFail("A data must be 4 bytes");
    case "AAAA":
      return data.length === 16
        ? rdataOk({ kind: "AAAA", address: ipv6ToText(data), bytes: data })
        : rdataFail("AAAA data must be 16 bytes");
    case "TXT": {
      const strings: Uint8Array[] = [];
      for (let i = 0; i < data.length;) {
        const length = data[i]!;
        if (i + 1 + length > data.length) return rdataFail("TXT data: character-string runs past the end");
        strings.push(data.slice(i + 1, i + 1 + length));
        i += 1 + length;
      }
      return strings.length > 0 ? rdataOk({ kind: "TXT", strings }) : rdataFail("TXT data is empty");
    }
    case "CAA": {
      const tagLength = data[1] ?? 0;
      if (data.length < 2 + tagLength || tagLength === 0) return rdataFail("CAA data too short");
      const tag = Buffer.from(data.slice(2, 2 + tagLength)).toString("latin1");
      return rdataOk({
        kind: "CAA",
        flags: data[0]!,
        tag: tag.toLowerCase(),
        value: data.slice(2 + tagLength),
      });
    }
    default:
      return rdataFail(`write ${type} in its own presentation form, not the RFC 3597 generic form`);
  }
}

/** The type code of structured record data. */
export function rdataType(rdata: Rdata): number {
  return rdata.kind === "UNKNOWN" ? rdata.type : RRType[rdata.kind];
}

/** Record data as dig/kdig print it. */
export function rdataToText(rdata: Rdata): string {
  switch (rdata.kind) {
    case "A":
      return rdata.address;
    case "AAAA":
      return ipv6ToText(rdata.bytes);
    case "NS":
    case "CNAME":
    case "PTR":
      return nameToText(rdata.target);
    case "MX":
      return `${rdata.preference} ${nameToText(rdata.exchange)}`;
    case "SOA":
      return [
        nameToText(rdata.mname),
        nameToText(rdata.rname),
        rdata.serial,
        rdata.refresh,
        rdata.retry,
        rdata.expire,
        rdata.minimum,
      ].join(" ");
    case "TXT":
      return rdata.strings.map(stringToText).join(" ");
    case "SRV":
      return `${rdata.priority} ${rdata.weight} ${rdata.port} ${nameToText(rdata.target)}`;
    case "CAA":
      return `${rdata.flags} ${rdata.tag} ${stringToText(rdata.value)}`;
    case "UNKNOWN":
      return rdata.data.length === 0
        ? "\\# 0"
        : `\\# ${rdata.data.length} ${Buffer.from(rdata.data).toString("hex").toUpperCase()}`;
  }
}
