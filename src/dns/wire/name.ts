/**
 * Domain names on the wire (RFC 1035 3.1, 4.1.4) and in presentation form (types.ts `Name`).
 * Reading follows compression pointers and refuses anything that could loop or overrun; writing compresses
 * against every name already in the message, case-insensitively, so a name equal to the question becomes a
 * pointer to the question and echoes the client's 0x20 case.
 * Nothing here throws: failures are negative numbers (`NameError`).
 */
import { Buffer } from "node:buffer";
import type { Name } from "../types.ts";

export const MAX_LABEL_LENGTH = 63;
/** RFC 1035 2.3.4: the whole name on the wire, length bytes and the root byte included. */
export const MAX_NAME_LENGTH = 255;
/** RFC 1035 4.1.4: a pointer holds a 14-bit offset. */
const MAX_POINTER_OFFSET = 0x3fff;

export const NameError = {
  /** The message ends inside the name. */
  TRUNCATED: -1,
  /** Label type 0x40 or 0x80 (RFC 6891 5 reserves them; extended labels are dead). */
  BAD_LABEL_TYPE: -2,
  /** A pointer that does not point strictly backwards: a loop or a forward pointer. */
  BAD_POINTER: -3,
  /** Over 255 bytes on the wire. */
  TOO_LONG: -4,
  /** Presentation text that is not a name (empty label, label > 63, bad escape). */
  BAD_TEXT: -5,
  /** The name does not fit in the space left (writing only). */
  NO_SPACE: -6,
} as const;

/** Where readName leaves the name text; a reused object so the hot path allocates only the strings. */
export interface NameSink {
  /** Presentation form, case as on the wire. */
  text: string;
  /** True when `text` has an upper-case ASCII letter (so a lower-case copy is needed). */
  hasUpper: boolean;
  /** Length on the wire when uncompressed (for the 255 check and for callers that size buffers). */
  wireLength: number;
}

export function newNameSink(): NameSink {
  return { text: "", hasUpper: false, wireLength: 0 };
}

const CH_DOT = 0x2e;
const CH_BACKSLASH = 0x5c;

/**
 * Bytes written as themselves in presentation form: letters, digits, hyphen, underscore, asterisk; a dot
 * is `\.`, anything else `\DDD` (the same canonical form as src/dns/presentation.ts `canonicalLabel`).
 */
const PLAIN = new Uint8Array(256);
for (let b = 0x30; b <= 0x39; b++) PLAIN[b] = 1;
for (let b = 0x41; b <= 0x5a; b++) PLAIN[b] = 2; // upper case: plain, but marks the name as mixed case
for (let b = 0x61; b <= 0x7a; b++) PLAIN[b] = 1;
PLAIN[0x2d] = 1;
PLAIN[0x5f] = 1;
PLAIN[0x2a] = 1;

/** Presentation text is assembled here, then turned into one string (no per-label strings or views). */
const textScratch = Buffer.allocUnsafeSlow(MAX_NAME_LENGTH * 4 + 1);

/** Appends the label at [start, end) of `msg` and its dot to textScratch at `at`; returns the new end. */
function appendLabel(msg: Uint8Array, start: number, end: number, at: number, sink: NameSink): number {
  const out = textScratch;
  for (let i = start; i < end; i++) {
    const b = msg[i]!;
    const kind = PLAIN[b]!;
    if (kind !== 0) {
      if (kind === 2) sink.hasUpper = true;
      out[at++] = b;
    } else if (b === CH_DOT) {
      out[at++] = CH_BACKSLASH;
      out[at++] = b;
    } else {
      out[at++] = CH_BACKSLASH;
      out[at++] = 0x30 + ((b / 100) | 0);
      out[at++] = 0x30 + (((b / 10) | 0) % 10);
      out[at++] = 0x30 + (b % 10);
    }
  }
  out[at++] = CH_DOT;
  return at;
}

/**
 * Reads the name at `offset` of `msg` into `sink`. Returns the offset just past the name where it sits
 * (after its first pointer, if any), or a negative `NameError`.
 */
export function readName(msg: Uint8Array, offset: number, sink: NameSink): number {
  let pos = offset;
  let end = -1; // where the caller continues: set at the first pointer
  let segmentStart = offset; // a pointer must point before the start of the segment that holds it
  let wireLength = 1; // the root byte
  let textLength = 0;
  sink.hasUpper = false;
  for (;;) {
    if (pos >= msg.length) return NameError.TRUNCATED;
    const len = msg[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const type = len & 0xc0;
    if (type === 0xc0) {
      if (pos + 1 >= msg.length) return NameError.TRUNCATED;
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      // RFC 1035 4.1.4 pointers refer to a *prior* occurrence: strictly backwards, so no loop is possible.
      if (target >= segmentStart) return NameError.BAD_POINTER;
      if (end < 0) end = pos + 2;
      pos = target;
      segmentStart = target;
      continue;
    }
    // RFC 6891 5: 0x40 (extended label, RFC 2673, deprecated) and 0x80 are not labels we can read.
    if (type !== 0) return NameError.BAD_LABEL_TYPE;
    wireLength += len + 1;
    // RFC 1035 2.3.4: 255 bytes at most.
    if (wireLength > MAX_NAME_LENGTH) return NameError.TOO_LONG;
    if (pos + 1 + len > msg.length) return NameError.TRUNCATED;
    textLength = appendLabel(msg, pos + 1, pos + 1 + len, textLength, sink);
    pos += len + 1;
  }
  sink.text = textLength === 0 ? "." : textScratch.toString("latin1", 0, textLength);
  sink.wireLength = wireLength;
  return end;
}

/** Convenience form of readName for tooling and tests: the lower-case Name, or null. */
export function readNameLower(msg: Uint8Array, offset: number): { name: Name; end: number } | null {
  const sink = newNameSink();
  const end = readName(msg, offset, sink);
  if (end < 0) return null;
  return { name: sink.hasUpper ? sink.text.toLowerCase() : sink.text, end };
}

/**
 * Encodes presentation text into `out` at `pos` uncompressed, labels then the root byte. The text is taken
 * as absolute whether or not it ends in a dot ("." and "" are the root). Records each label's start in
 * `labelStarts` (relative to `pos`) when given. Returns the end position, or a negative NameError; the label
 * count is left in `lastLabelCount`.
 */
export function encodeNameText(
  text: string,
  out: Uint8Array,
  pos: number,
  labelStarts: Int32Array | null,
): number {
  const start = pos;
  let labels = 0;
  let i = 0;
  const n = text.length;
  if (n === 1 && text.charCodeAt(0) === CH_DOT) i = 1;
  while (i < n) {
    const lenPos = pos;
    pos++;
    if (pos - start > MAX_NAME_LENGTH || pos > out.length) return NameError.TOO_LONG;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (c === CH_DOT) break;
      if (c === CH_BACKSLASH) {
        const d0 = text.charCodeAt(i + 1) - 0x30;
        if (d0 >= 0 && d0 <= 9) {
          const d1 = text.charCodeAt(i + 2) - 0x30;
          const d2 = text.charCodeAt(i + 3) - 0x30;
          if (!(d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) return NameError.BAD_TEXT;
          c = d0 * 100 + d1 * 10 + d2;
          if (c > 255) return NameError.BAD_TEXT;
          i += 4;
        } else {
          if (i + 1 >= n) return NameError.BAD_TEXT;
          c = text.charCodeAt(i + 1);
          if (c > 0x7e) return NameError.BAD_TEXT;
          i += 2;
        }
      } else {
        if (c > 0x7e) return NameError.BAD_TEXT; // presentation text is ASCII; other bytes are \DDD
        i++;
      }
      if (pos - start >= MAX_NAME_LENGTH || pos >= out.length) return NameError.TOO_LONG;
      out[pos++] = c;
    }
    const len = pos - lenPos - 1;
    if (len === 0 || len > MAX_LABEL_LENGTH) return NameError.BAD_TEXT;
    out[lenPos] = len;
    if (labelStarts !== null) labelStarts[labels] = lenPos - start;
    labels++;
    i++; // the dot (or past the end)
  }
  if (pos - start >= MAX_NAME_LENGTH || pos >= out.length) return NameError.TOO_LONG;
  out[pos++] = 0;
  lastLabelCount = labels;
  return pos;
}

/** Label count of the last successful encodeNameText (saves a tuple on the hot path). */
export let lastLabelCount = 0;

/** Wire form of presentation text (uncompressed), or null when the text is not a valid name. */
export function nameToWire(text: string): Uint8Array | null {
  const scratch = new Uint8Array(MAX_NAME_LENGTH);
  const end = encodeNameText(text, scratch, 0, null);
  return end < 0 ? null : scratch.slice(0, end);
}

/**
 * The canonical `Name` for presentation text: escapes normalised (`\065` → `a`, `\.` kept), lower case,
 * trailing dot. Zones and the codec must agree on this form because it is the lookup key. Null if invalid.
 */
export function canonicalName(text: string): Name | null {
  const wire = nameToWire(text);
  if (wire === null) return null;
  return readNameLower(wire, 0)?.name ?? null;
}

function lowerByte(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

/**
 * Compares the uncompressed label sequence at `a` in `src` with the (possibly compressed) name at `b` in
 * `msg`, ignoring ASCII case. `msg` only holds names this writer produced, so its pointers go backwards.
 */
function sameName(src: Uint8Array, a: number, msg: Uint8Array, b: number): boolean {
  for (;;) {
    let lb = msg[b]!;
    while ((lb & 0xc0) === 0xc0) {
      const target = ((lb & 0x3f) << 8) | msg[b + 1]!;
      if (target >= b) return false; // never follow anything but a backward pointer
      b = target;
      lb = msg[b]!;
    }
    const la = src[a]!;
    if (la !== lb) return false;
    if (la === 0) return true;
    for (let i = 1; i <= la; i++) {
      if (lowerByte(src[a + i]!) !== lowerByte(msg[b + i]!)) return false;
    }
    a += la + 1;
    b += lb + 1;
  }
}

const MAX_TARGETS = 1024;

/**
 * RFC 1035 4.1.4 name compression for one message being written. Every label start written so far is a
 * possible pointer target, with its label count to the root (only equal counts can match).
 * `mark()`/`rollback()` drop the targets of an RRset that was taken back out of the message.
 */
export class NameCompressor {
  /** False writes every name in full (canonical RDATA for tests and tools). */
  compression = true;
  private readonly offsets = new Uint16Array(MAX_TARGETS);
  private readonly labelCounts = new Uint8Array(MAX_TARGETS);
  private count = 0;
  private readonly scratch = new Uint8Array(MAX_NAME_LENGTH + 1);
  private readonly starts = new Int32Array(128);

  /** The question name (lower case) and where it is: the commonest owner becomes a pointer with no search. */
  private questionName = "";
  private questionAt = -1;

  reset(): void {
    this.count = 0;
    this.questionAt = -1;
  }

  mark(): number {
    return this.count;
  }

  rollback(mark: number): void {
    this.count = mark;
  }

  /**
   * Writes `name` into `msg` at `pos` (message offsets are relative to `msg[0]`), compressed when
   * `compress`, and registers its labels as targets when `register`. Returns the end, or a NameError
   * (NO_SPACE when it would pass `limit`).
   */
  write(
    msg: Uint8Array,
    pos: number,
    limit: number,
    name: string,
    compress: boolean,
    register: boolean,
  ): number {
    compress &&= this.compression;
    if (compress && this.questionAt >= 0 && name === this.questionName) {
      if (pos + 2 > limit) return NameError.NO_SPACE;
      msg[pos] = 0xc0 | (this.questionAt >>> 8);
      msg[pos + 1] = this.questionAt & 0xff;
      return pos + 2;
    }
    const scratch = this.scratch;
    const end = encodeNameText(name, scratch, 0, this.starts);
    if (end < 0) return end;
    const labels = lastLabelCount;
    let copyLength = end; // bytes of scratch to copy
    let pointer = -1;
    if (compress) {
      for (let i = 0; i < labels && pointer < 0; i++) {
        const at = this.starts[i]!;
        pointer = this.find(msg, scratch, at, labels - i);
        if (pointer >= 0) {
          copyLength = at;
        }
      }
    }
    const total = copyLength + (pointer >= 0 ? 2 : 0);
    if (pos + total > limit) return NameError.NO_SPACE;
    for (let i = 0; i < copyLength; i++) msg[pos + i] = scratch[i]!;
    if (pointer >= 0) {
      msg[pos + copyLength] = 0xc0 | (pointer >> 8);
      msg[pos + copyLength + 1] = pointer & 0xff;
    }
    if (register) {
      for (let i = 0; i < labels; i++) {
        const at = this.starts[i]!;
        if (at >= copyLength) break;
        this.add(pos + at, labels - i);
      }
    }
    return pos + total;
  }

  /**
   * Registers the question name, already written uncompressed at `pos`, as targets; `lowerName` is its
   * lower-case text, matched first.
   */
  registerQuestion(msg: Uint8Array, pos: number, lowerName: string): void {
    this.questionName = lowerName;
    this.questionAt = pos;
    this.registerUncompressed(msg, pos);
  }

  /** Registers a name already in `msg` as a target, without writing it. */
  registerUncompressed(msg: Uint8Array, pos: number): void {
    let labels = 0;
    for (let p = pos; msg[p] !== 0; p += msg[p]! + 1) labels++;
    for (let p = pos; msg[p] !== 0; p += msg[p]! + 1) this.add(p, labels--);
  }

  private add(offset: number, labels: number): void {
    if (offset > MAX_POINTER_OFFSET || this.count >= MAX_TARGETS) return;
    this.offsets[this.count] = offset;
    this.labelCounts[this.count] = labels;
    this.count++;
  }

  private find(msg: Uint8Array, src: Uint8Array, at: number, labels: number): number {
    for (let j = 0; j < this.count; j++) {
      if (this.labelCounts[j] !== labels) continue;
      const offset = this.offsets[j]!;
      if (sameName(src, at, msg, offset)) return offset;
    }
    return -1;
  }
}
