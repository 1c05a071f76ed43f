/**
 * The current zone snapshot, and its replacement (STYLE §3: build aside, check, swap; never mutate a live
 * snapshot). A file that turns invalid keeps serving its last good version; its problems are reported as
 * events. Readers take `current()` once per query; a reload in flight never disturbs them.
 */
import { readFile } from "node:fs/promises";
import type { Problem } from "../errors.ts";
import type { Name } from "../dns/types.ts";
import { listZoneFiles, ZoneConflicts } from "./loader.ts";
import { buildZoneSet, EMPTY_ZONE_SET } from "./tree.ts";
import type { ZoneSet } from "./tree.ts";
import type { Zone } from "./zone.ts";
import { parseZoneText } from "./zone-file.ts";

export type ZoneEvent =
  | { readonly type: "loaded"; readonly file: string; readonly zone: Name; readonly serial: number }
  | {
      readonly type: "rejected";
      readonly file: string;
      readonly problems: readonly Problem[];
      /** True when the file's last good version keeps serving. */
      readonly servingPrevious: boolean;
    }
  | { readonly type: "removed"; readonly file: string; readonly zone: Name }
  /** A rejection that no longer stands though nothing loaded: the file is gone, or the directory readable again. */
  | { readonly type: "cleared"; readonly file: string };

export interface ReloadReport {
  /** Zones served after the reload. */
  readonly zones: number;
  /** Every problem found in this reload (the files concerned serve their last good version, if any). */
  readonly problems: readonly Problem[];
  /** Whether a new snapshot was swapped in. */
  readonly changed: boolean;
}

export interface ZoneStoreOptions {
  readonly onEvent?: (event: ZoneEvent) => void;
}

interface GoodFile {
  readonly text: string;
  readonly zone: Zone;
}

function serialOf(zone: Zone): number {
  const soa = zone.soa.rdata[0];
  return soa?.kind === "SOA" ? soa.serial : 0;
}

export class ZoneStore {
  readonly path: string;
  readonly #onEvent: (event: ZoneEvent) => void;
  #current: ZoneSet = EMPTY_ZONE_SET;
  #good = new Map<string, GoodFile>();
  #problems: readonly Problem[] = [];
  /** Files whose latest version was rejected at the last reload. */
  #rejected: ReadonlySet<string> = new Set();
  #running: Promise<ReloadReport> | null = null;
  #queued: Promise<ReloadReport> | null = null;

  constructor(path: string, options: ZoneStoreOptions = {}) {
    this.path = path;
    this.#onEvent = options.onEvent ?? (() => undefined);
  }

  /** A store with its first snapshot loaded (check the report's problems: the server may start partial). */
  static async open(path: string, options: ZoneStoreOptions = {}): Promise<{ store: ZoneStore; report: ReloadReport }> {
    const store = new ZoneStore(path, options);
    const report = await store.reload();
    return { store, report };
  }

  /** The snapshot to answer from. Immutable; take it once per query. */
  current(): ZoneSet {
    return this.#current;
  }

  /** The zones served now, in file order. */
  zones(): readonly Zone[] {
    return [...this.#good.values()].map((g) => g.zone);
  }

  /** The problems of the last reload. */
  problems(): readonly Problem[] {
    return this.#problems;
  }

  /** Re-read the files, build a new snapshot aside and swap it in. Calls during a reload coalesce into one more. */
  reload(): Promise<ReloadReport> {
    if (this.#queued !== null) return this.#queued;
    if (this.#running === null) return this.#start();
    this.#queued = this.#running.then(
      () => this.#start(),
      () => this.#start(),
    );
    return this.#queued;
  }

  #start(): Promise<ReloadReport> {
    this.#queued = null;
    this.#running = this.#reloadOnce().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #reloadOnce(): Promise<ReloadReport> {
    const listing = await listZoneFiles(this.path);
    if (listing.problems.length > 0) {
      this.#problems = listing.problems;
      this.#rejected = new Set([...this.#rejected, this.path]);
      this.#onEvent({ type: "rejected", file: this.path, problems: listing.problems, servingPrevious: true });
      return { zones: this.#good.size, problems: listing.problems, changed: false };
    }
    const problems: Problem[] = [];
    const next = new Map<string, GoodFile>();
    let changed = false;
    for (const file of listing.files) {
      const outcome = await this.#readFile(file);
      if ("problems" in outcome) {
        problems.push(...outcome.problems);
        const previous = this.#good.get(file);
        if (previous !== undefined) next.set(file, previous);
        this.#onEvent({ type: "rejected", file, problems: outcome.problems, servingPrevious: previous !== undefined });
      } else {
        next.set(file, outcome);
        if (this.#good.get(file) !== outcome) changed = true;
      }
    }
    for (const [file, good] of this.#good) {
      if (next.has(file)) continue;
      changed = true;
      this.#onEvent({ type: "removed", file, zone: good.zone.origin });
    }
    const accepted = this.#resolveConflicts(next, problems);
    this.#announceRecovered(accepted, problems);
    if (changed) this.#swap(accepted);
    this.#problems = problems;
    return { zones: accepted.size, problems, changed };
  }

  /** The file's zone: the previous object when the text is unchanged, else freshly parsed and checked. */
  async #readFile(file: string): Promise<GoodFile | { problems: readonly Problem[] }> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
      return { problems: [{ file, line: 0, path: "", reason: `cannot read: ${code}` }] };
    }
    const previous = this.#good.get(file);
    if (previous !== undefined && previous.text === text) return previous;
    const parsed = parseZoneText(text, file);
    return parsed.ok ? { text, zone: parsed.zone } : { problems: parsed.problems };
  }

  /**
   * Files that clash (one zone in two files, one check name defined two ways) are treated like any invalid
   * edit: the file whose new version clashes goes back to its last good version, or out when it has none.
   * The edit that introduces a clash is the one rejected (see #firstClash for the order). Each round
   * settles one file, and files already serving never clash among themselves, so this ends.
   */
  #resolveConflicts(next: Map<string, GoodFile>, problems: Problem[]): Map<string, GoodFile> {
    const chosen = new Map(next);
    for (;;) {
      const clash = this.#firstClash(chosen);
      if (clash === undefined) break;
      const previous = this.#good.get(clash.file);
      if (previous !== undefined && chosen.get(clash.file) !== previous) chosen.set(clash.file, previous);
      else chosen.delete(clash.file);
      problems.push(clash);
      this.#onEvent({ type: "rejected", file: clash.file, problems: [clash], servingPrevious: chosen.has(clash.file) });
    }
    return chosen;
  }

  /** Serving files first, then new versions that keep the checks as served, then those that redefine one. */
  #firstClash(chosen: ReadonlyMap<string, GoodFile>): Problem | undefined {
    const serving = [...chosen].filter(([file, good]) => this.#good.get(file) === good);
    const fresh = [...chosen].filter(([file, good]) => this.#good.get(file) !== good);
    const servedChecks = new Map<string, string>();
    for (const good of this.#good.values()) for (const [name, print] of good.zone.policies?.checkFingerprints ?? []) servedChecks.set(name, print);
    const redefines = (zone: Zone): boolean =>
      [...(zone.policies?.checkFingerprints ?? [])].some(([name, print]) => (servedChecks.get(name) ?? print) !== print);
    fresh.sort(([, a], [, b]) => Number(redefines(a.zone)) - Number(redefines(b.zone)));
    const conflicts = new ZoneConflicts();
    for (const [, good] of [...serving, ...fresh]) {
      const problem = conflicts.accept(good.zone);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  /**
   * A rejected file put back as it was (the edit reverted) is loaded again, though its zone never changed:
   * say so, or its rejection would stand (in logs and the gslb_zone_file_rejected gauge) until its next edit.
   */
  #announceRecovered(accepted: ReadonlyMap<string, GoodFile>, problems: readonly Problem[]): void {
    const rejectedNow = new Set(problems.map((p) => p.file));
    for (const file of this.#rejected) {
      if (rejectedNow.has(file)) continue;
      const good = accepted.get(file);
      if (good === undefined) {
        // Deleted while rejected (a file never served gets no "removed"), or the listing works again.
        if (!this.#good.has(file)) this.#onEvent({ type: "cleared", file });
        continue;
      }
      if (this.#good.get(file) !== good) continue;
      this.#onEvent({ type: "loaded", file, zone: good.zone.origin, serial: serialOf(good.zone) });
    }
    this.#rejected = rejectedNow;
  }

  #swap(accepted: Map<string, GoodFile>): void {
    const set = buildZoneSet([...accepted.values()].map((g) => g.zone));
    for (const [file, good] of accepted) {
      if (this.#good.get(file) !== good) {
        this.#onEvent({ type: "loaded", file, zone: good.zone.origin, serial: serialOf(good.zone) });
      }
    }
    this.#good = accepted;
    this.#current = set;
  }
}
