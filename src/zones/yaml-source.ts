/**
 * A parsed YAML document that can say on which line a value (or key) lives, so every problem is reported as
 * `file:line: path: reason` with the real line.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Document, Node } from "yaml";
import type { Problem } from "../errors.ts";

export type PathSegment = string | number;

export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** Problems of YAML syntax (then `value` must not be used). */
  readonly syntaxProblems: readonly Problem[];
  /** Line (1-based) of the node at `path`; of its key when `onKey`. Falls back to the deepest existing node. */
  lineOf(path: readonly PathSegment[], onKey?: boolean): number;
}

export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const syntaxProblems = doc.errors.map((error) => ({
    file,
    line: lineAt(error.pos[0]),
    path: "",
    reason: `YAML: ${error.message.split("\n")[0]!}`,
  }));
  if (syntaxProblems.length === 0) syntaxProblems.push(...keyProblems(doc, file, lineAt));
  return {
    file,
    value: syntaxProblems.length === 0 ? doc.toJS() : undefined,
    syntaxProblems,
    lineOf: (path, onKey = false) => lineAt(offsetOf(doc, path, onKey)),
  };
}

/**
 * Keys that would not survive as written: a list or mapping as a key is stringified (a zone owner named
 * "[ a, b ]"), and "__proto__" is dropped by the schema's records (a silently missing name).
 */
function keyProblems(doc: Document, file: string, lineAt: (offset: number) => number): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Pair(_, pair, ancestors) {
      const key: unknown = pair.key;
      const line = lineAt(rangeStart(key) ?? rangeStart(pair.value) ?? 0);
      const path = formatPath(ancestors.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : "?")));
      if (!isScalar(key)) problems.push({ file, line, path, reason: "YAML: a key must be a plain value" });
      else if (String(key.value) === "__proto__")
        problems.push({ file, line, path, reason: 'YAML: "__proto__" cannot be used as a key' });
    },
  });
  return problems;
}

function offsetOf(doc: Document, path: readonly PathSegment[], onKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) return offset;
      const target = last && onKey ? pair.key : (pair.value ?? pair.key);
      offset = rangeStart(target) ?? rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as Node).range;
  return range?.[0];
}

/** `records.www.A[1]`; segments with dots or other specials are bracketed: `records["_sip._tcp"].SRV`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z0-9_@*-]+$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
