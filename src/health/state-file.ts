/**
 * The health state file: last known target states and active overrides, so a restart neither forgets an
 * outage nor lifts an operator's override. Written atomically (tmp + rename), one write at a time; a
 * burst of changes while a write is in flight collapses into one more write.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { ErrorCodes, GslbError } from "../errors.ts";
import { overrideSchema, type Override } from "./override-schema.ts";
import type { SavedTargetState } from "./tracker.ts";

const savedTargetSchema = z.object({
  state: z.enum(["up", "down"]),
  since: z.number(),
  rttMs: z.number().nullable(),
  flaps: z.number().int().min(0),
  detail: z.string(),
});

const stateFileSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  targets: z.record(z.string(), savedTargetSchema).default({}),
  overrides: z.array(overrideSchema).default([]),
});

export interface HealthState {
  readonly targets: ReadonlyMap<string, SavedTargetState>;
  readonly overrides: readonly Override[];
}

export const EMPTY_STATE: HealthState = { targets: new Map(), overrides: [] };

/** Reads the state file; a missing file is an empty state, a corrupt one a GslbError STATE_FILE. */
export async function readStateFile(path: string): Promise<HealthState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_STATE;
    throw new GslbError(ErrorCodes.STATE_FILE, `${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GslbError(ErrorCodes.STATE_FILE, `${path}: not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GslbError(
      ErrorCodes.STATE_FILE,
      `${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  return { targets: new Map(Object.entries(parsed.data.targets)), overrides: parsed.data.overrides };
}

export class StateFile {
  private readonly path: string;
  private readonly now: () => number;
  private state: HealthState;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private readonly onError: (error: unknown) => void;

  constructor(
    path: string,
    initial: HealthState = EMPTY_STATE,
    options: { now?: () => number; onError?: (error: unknown) => void } = {},
  ) {
    this.path = path;
    this.state = initial;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
  }

  setTargets(targets: ReadonlyMap<string, SavedTargetState>): void {
    this.state = { ...this.state, targets };
    this.schedule();
  }

  setOverrides(overrides: readonly Override[]): void {
    this.state = { ...this.state, overrides };
    this.schedule();
  }

  /** Resolves once everything set so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private schedule(): void {
    this.dirty = true;
    this.writing ??= this.writeLoop().finally(() => {
      this.writing = undefined;
    });
  }

  private async writeLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeAtomically(this.path, this.serialise());
      } catch (error) {
        this.onError(
          new GslbError(ErrorCodes.STATE_FILE, `${this.path}: ${(error as Error).message}`, { cause: error }),
        );
      }
    }
  }

  private serialise(): string {
    const body = {
      version: 1,
      savedAt: this.now(),
      targets: Object.fromEntries(this.state.targets),
      overrides: this.state.overrides,
    };
    return `${JSON.stringify(body, null, 1)}\n`;
  }
}

/** tmp file, fsync, rename, fsync the directory: after a crash the file is the old or the new one, never empty. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, "w");
  try {
    await file.writeFile(text, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Reads the state file; an unreadable or corrupt one is moved aside (`<file>.corrupt-<ms>`) and the server starts
 * from an empty state: a damaged file must not keep the DNS server down. `onCorrupt` reports it.
 */
export async function readStateFileOrSetAside(
  path: string,
  onCorrupt: (error: GslbError, movedTo: string) => void,
  now: () => number = Date.now,
): Promise<HealthState> {
  try {
    return await readStateFile(path);
  } catch (error) {
    if (!(error instanceof GslbError)) throw error;
    const movedTo = `${path}.corrupt-${now()}`;
    await rename(path, movedTo).catch(() => undefined);
    onCorrupt(error, movedTo);
    return EMPTY_STATE;
  }
}
