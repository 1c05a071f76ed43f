/**
 * Files → checked zones → a ZoneSet. A path is a directory (every *.yaml / *.yml in it, hidden files and
 * editor leftovers skipped) or one file.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Problem } from "../errors.ts";
import { buildZoneSet } from "./tree.ts";
import type { ZoneSet } from "./tree.ts";
import { formatPath } from "./yaml-source.ts";
import type { Zone } from "./zone.ts";
import { parseZoneText } from "./zone-file.ts";
import type { ZoneParse } from "./zone-file.ts";

export interface LoadResult {
  readonly set: ZoneSet;
  /** The zones that passed every check (the files with problems are left out). */
  readonly zones: readonly Zone[];
  readonly problems: readonly Problem[];
}

const ZONE_FILE = /^[^.#~][^/]*\.ya?ml$/i;

function ioProblem(file: string, error: unknown): Problem {
  const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
  return { file, line: 0, path: "", reason: `cannot read: ${reason}` };
}

/** The zone files of a path: the path itself when it is a file, else the zone files in the directory, sorted. */
export async function listZoneFiles(path: string): Promise<{ files: string[]; problems: Problem[] }> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return { files: [path], problems: [] };
    const names = await readdir(path);
    return { files: names.filter((n) => ZONE_FILE.test(n)).sort().map((n) => join(path, n)), problems: [] };
  } catch (error) {
    return { files: [], problems: [ioProblem(path, error)] };
  }
}

/** Read and check one zone file. */
export async function readZoneFile(file: string): Promise<ZoneParse> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { ok: false, problems: [ioProblem(file, error)] };
  }
  return parseZoneText(text, file);
}

/**
 * The zones accepted so far, and the check definitions they brought. A later zone with the same origin is a
 * problem; so is one that defines a check name differently (check names are global: health is keyed by
 * check@address).
 */
export class ZoneConflicts {
  readonly #byOrigin = new Map<string, Zone>();
  readonly #checks = new Map<string, { fingerprint: string; file: string }>();

  /** Accepts the zone, or returns the problem that keeps it out (and accepts nothing of it). */
  accept(zone: Zone): Problem | undefined {
    const first = this.#byOrigin.get(zone.origin);
    if (first !== undefined) {
      return { file: zone.file, line: 1, path: "zone", reason: `zone ${zone.origin} is already loaded from ${basename(first.file)}` };
    }
    const clash = this.#checkClash(zone);
    if (clash !== undefined) return clash;
    this.#byOrigin.set(zone.origin, zone);
    for (const [name, fingerprint] of zone.policies?.checkFingerprints ?? []) {
      if (!this.#checks.has(name)) this.#checks.set(name, { fingerprint, file: zone.file });
    }
    return undefined;
  }

  #checkClash(zone: Zone): Problem | undefined {
    for (const [name, fingerprint] of zone.policies?.checkFingerprints ?? []) {
      const earlier = this.#checks.get(name);
      if (earlier !== undefined && earlier.fingerprint !== fingerprint) {
        return {
          file: zone.file,
          line: zone.policies?.checkLines.get(name) ?? 1,
          path: formatPath(["checks", name]),
          reason: `check "${name}" is defined differently in ${basename(earlier.file)} (check names are shared by all zones)`,
        };
      }
    }
    return undefined;
  }
}

/** The first file of each origin wins, and the first definition of each check name: later files clash. */
export function conflictProblems(zones: readonly Zone[]): { zones: Zone[]; problems: Problem[] } {
  const conflicts = new ZoneConflicts();
  const accepted: Zone[] = [];
  const problems: Problem[] = [];
  for (const zone of zones) {
    const problem = conflicts.accept(zone);
    if (problem === undefined) accepted.push(zone);
    else problems.push(problem);
  }
  return { zones: accepted, problems };
}

/** Load a directory or one file into a ZoneSet of the valid zones, plus every problem found. */
export async function loadZones(path: string): Promise<LoadResult> {
  const listing = await listZoneFiles(path);
  const problems: Problem[] = [...listing.problems];
  const parsed: Zone[] = [];
  for (const file of listing.files) {
    const result = await readZoneFile(file);
    if (result.ok) parsed.push(result.zone);
    else problems.push(...result.problems);
  }
  const { zones, problems: conflicts } = conflictProblems(parsed);
  problems.push(...conflicts);
  return { set: buildZoneSet(zones), zones, problems };
}

/** `gslb check DIR|FILE`: every problem, empty when all is well. */
export async function checkPath(path: string): Promise<Problem[]> {
  const { problems, zones } = await loadZones(path);
  if (problems.length === 0 && zones.length === 0) {
    return [{ file: path, line: 0, path: "", reason: "no zone files (*.yaml, *.yml) found" }];
  }
  return [...problems];
}
