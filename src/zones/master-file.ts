/**
 * RFC 1035 §5 master file reader: entries with owner, TTL, class, type and RDATA text, after $ORIGIN, $TTL,
 * $INCLUDE, parentheses, comments, quoting and blank owners are resolved. Used by the importer.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDuration, parseName, parseRdata, typeFromText } from "../dns/presentation.ts";
import type { Name, Rdata } from "../dns/types.ts";

export interface MasterRecord {
  readonly name: Name;
  readonly ttl: number;
  readonly type: number;
  readonly typeText: string;
  readonly rdata: Rdata;
  readonly file: string;
  readonly line: number;
}

export interface MasterProblem {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export function formatMasterProblem(p: MasterProblem): string {
  return `${p.file}:${p.line}: ${p.reason}`;
}

export interface ReadOptions {
  /** The initial origin (absolute). */
  readonly origin: Name;
  /** Reads an $INCLUDE'd file; defaults to the file system. */
  readonly readInclude?: (path: string) => string;
}

interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

interface Entry {
  readonly line: number;
  readonly blankOwner: boolean;
  readonly tokens: readonly Token[];
}

/** Split master file text into entries: one per logical line (parentheses join lines), comments removed. */
function entries(text: string, file: string, problems: MasterProblem[]): Entry[] {
  const out: Entry[] = [];
  let tokens: Token[] = [];
  let line = 1;
  let entryLine = 1;
  let blankOwner = false;
  let depth = 0;
  let atLineStart = true;
  const flush = (): void => {
    if (tokens.length > 0) out.push({ line: entryLine, blankOwner, tokens });
    tokens = [];
  };
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (atLineStart && depth === 0) {
      flush();
      entryLine = line;
      blankOwner = ch === " " || ch === "\t";
      atLineStart = false;
    }
    if (ch === "\n") {
      line++;
      i++;
      atLineStart = depth === 0;
    } else if (ch === " " || ch === "\t" || ch === "\r") i++;
    else if (ch === ";") while (i < text.length && text[i] !== "\n") i++;
    else if (ch === "(") {
      depth++;
      i++;
    } else if (ch === ")") {
      if (depth === 0) problems.push({ file, line, reason: 'unbalanced ")"' });
      else depth--;
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\n") line++;
        j += text[j] === "\\" ? 2 : 1;
      }
      if (j >= text.length) {
        problems.push({ file, line: entryLine, reason: "unterminated quoted string" });
        return out;
      }
      tokens.push({ text: text.slice(i + 1, j), quoted: true });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;()"]/.test(text[j]!)) j += text[j] === "\\" ? 2 : 1;
      tokens.push({ text: text.slice(i, j), quoted: false });
      i = j;
    }
  }
  if (depth > 0) problems.push({ file, line: entryLine, reason: 'unbalanced "(": missing ")"' });
  flush();
  return out;
}

const CLASS = /^(IN|CH|HS|CS|CLASS\d+)$/i;
const MAX_INCLUDE_DEPTH = 16;

interface State {
  origin: Name;
  defaultTtl: number | undefined;
  lastTtl: number | undefined;
  lastOwner: Name | undefined;
}

/** Read a master file and its includes into records, or every problem found. */
export function readMasterFile(
  text: string,
  file: string,
  options: ReadOptions,
): { records: MasterRecord[]; problems: MasterProblem[] } {
  const records: MasterRecord[] = [];
  const problems: MasterProblem[] = [];
  const readInclude = options.readInclude ?? ((path: string) => readFileSync(path, "utf8"));
  const state: State = { origin: options.origin, defaultTtl: undefined, lastTtl: undefined, lastOwner: undefined };
  readInto(text, file, state, [resolve(file)], { records, problems, readInclude });
  return { records, problems };
}

interface Sink {
  readonly records: MasterRecord[];
  readonly problems: MasterProblem[];
  readonly readInclude: (path: string) => string;
}

function readInto(text: string, file: string, state: State, stack: string[], sink: Sink): void {
  for (const entry of entries(text, file, sink.problems)) {
    const fail = (reason: string): void => void sink.problems.push({ file, line: entry.line, reason });
    const first = entry.tokens[0]!;
    if (!entry.blankOwner && !first.quoted && first.text.startsWith("$")) {
      directive(entry, file, state, stack, sink, fail);
      continue;
    }
    const record = parseRecord(entry, state, fail);
    if (record !== undefined) sink.records.push({ ...record, file, line: entry.line });
  }
}

function directive(
  entry: Entry,
  file: string,
  state: State,
  stack: string[],
  sink: Sink,
  fail: (reason: string) => void,
): void {
  const [keyword, arg, extra] = entry.tokens.map((t) => t.text);
  switch (keyword!.toUpperCase()) {
    case "$ORIGIN": {
      const origin = arg === undefined ? undefined : parseName(arg, state.origin);
      if (origin === undefined || !origin.ok) fail(`$ORIGIN needs a domain name${origin ? `: ${origin.reason}` : ""}`);
      else state.origin = origin.value;
      return;
    }
    case "$TTL": {
      const ttl = parseDuration(arg, "$TTL");
      if (!ttl.ok) fail(ttl.reason);
      else state.defaultTtl = ttl.value;
      return;
    }
    case "$INCLUDE": {
      if (arg === undefined) return fail("$INCLUDE needs a file name");
      const path = resolve(dirname(file), arg);
      if (stack.includes(path)) return fail(`$INCLUDE loop: ${[...stack, path].join(" → ")}`);
      if (stack.length >= MAX_INCLUDE_DEPTH) return fail(`$INCLUDE nested deeper than ${MAX_INCLUDE_DEPTH}`);
      const origin = extra === undefined ? { ok: true as const, value: state.origin } : parseName(extra, state.origin);
      if (!origin.ok) return fail(`$INCLUDE origin: ${origin.reason}`);
      let text: string;
      try {
        text = sink.readInclude(path);
      } catch (error) {
        return fail(`$INCLUDE ${arg}: cannot read (${error instanceof Error && "code" in error ? String(error.code) : String(error)})`);
      }
      // The included file's $ORIGIN does not leak back into this one (RFC 1035 §5.1).
      const inner: State = { ...state, origin: origin.value };
      readInto(text, path, inner, [...stack, path], sink);
      state.defaultTtl = inner.defaultTtl;
      state.lastTtl = inner.lastTtl;
      return;
    }
    default:
      fail(`unknown directive ${keyword!}`);
  }
}

function parseRecord(
  entry: Entry,
  state: State,
  fail: (reason: string) => void,
): Omit<MasterRecord, "file" | "line"> | undefined {
  const tokens = [...entry.tokens];
  let name: Name;
  if (entry.blankOwner) {
    if (state.lastOwner === undefined) return void fail("no owner name, and no previous record to take it from");
    name = state.lastOwner;
  } else {
    const owner = parseName(tokens.shift()!.text, state.origin);
    if (!owner.ok) return void fail(owner.reason);
    name = owner.value;
  }
  state.lastOwner = name;
  let ttl: number | undefined;
  for (let i = 0; i < 2 && tokens.length > 0; i++) {
    const token = tokens[0]!;
    if (CLASS.test(token.text)) {
      if (token.text.toUpperCase() !== "IN") return void fail(`class ${token.text} is not supported (only IN)`);
      tokens.shift();
    } else if (ttl === undefined && /^\d/.test(token.text)) {
      const parsed = parseDuration(token.text, "TTL");
      if (!parsed.ok) return void fail(parsed.reason);
      if (parsed.value > 2 ** 31 - 1) return void fail(`TTL ${parsed.value} is over 2147483647 (RFC 2181 §8)`);
      ttl = parsed.value;
      tokens.shift();
    }
  }
  const typeToken = tokens.shift();
  if (typeToken === undefined) return void fail("missing record type");
  const type = typeFromText(typeToken.text);
  if (type === undefined) return void fail(`unknown record type "${typeToken.text}"`);
  const rdataText = tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)).join(" ");
  const rdata = parseRdata(typeToken.text, rdataText, state.origin);
  if (!rdata.ok) return void fail(`${typeToken.text.toUpperCase()}: ${rdata.reason}`);
  if (ttl !== undefined) state.lastTtl = ttl;
  const soaMinimum = rdata.rdata.kind === "SOA" ? rdata.rdata.minimum : undefined;
  const effective = ttl ?? state.defaultTtl ?? state.lastTtl ?? soaMinimum;
  if (effective === undefined) return void fail("no TTL: give one or set $TTL first");
  return { name, ttl: effective, type, typeText: typeToken.text.toUpperCase(), rdata: rdata.rdata };
}
