/** Throwaway directories under the system temp dir, named gslb-<prefix>-XXXXXX; tests remove what they make. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `gslb-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TempDirs {
  /** A new directory, removed by removeAll. */
  make(): string;
  removeAll(): void;
}

/** Directories made on demand and removed together: `const dirs = tempDirs("x"); afterAll(() => dirs.removeAll());`. */
export function tempDirs(prefix: string): TempDirs {
  const made: TempDir[] = [];
  return {
    make: () => {
      const dir = tempDir(prefix);
      made.push(dir);
      return dir.path;
    },
    removeAll: () => {
      for (const dir of made.splice(0)) dir.remove();
    },
  };
}
