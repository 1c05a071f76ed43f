/**
 * Reload the zones when their files change. Editors save through a temporary file and a rename, and tools
 * write in several steps, so events are debounced into one reload.
 */
import { watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { statSync } from "node:fs";
import { basename, dirname } from "node:path";

export interface Reloadable {
  reload(): Promise<unknown>;
}

export interface WatchOptions {
  /** Quiet time after the last event before reloading. */
  readonly debounceMs?: number;
  /** Called when the watcher or a reload fails (the store keeps serving what it has). */
  readonly onError?: (error: unknown) => void;
}

export interface ZoneWatcher {
  close(): void;
}

const ZONE_FILE = /^[^.#~].*\.ya?ml$/i;

/** Watch a zone directory (or one zone file) and call `store.reload()` after changes settle. */
export function watchZones(path: string, store: Reloadable, options: WatchOptions = {}): ZoneWatcher {
  const debounceMs = options.debounceMs ?? 250;
  const onError = options.onError ?? (() => undefined);
  const isDirectory = statSync(path).isDirectory();
  const directory = isDirectory ? path : dirname(path);
  const only = isDirectory ? undefined : basename(path);
  let timer: NodeJS.Timeout | undefined;

  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      store.reload().catch(onError);
    }, debounceMs);
  };

  const watcher: FSWatcher = watch(directory, { persistent: false }, (_event, filename) => {
    // Some platforms give no file name: reload to be safe.
    if (filename === null) return schedule();
    const name = basename(filename);
    if (only !== undefined ? name === only : ZONE_FILE.test(name)) schedule();
  });
  watcher.on("error", onError);

  return {
    close(): void {
      if (timer !== undefined) clearTimeout(timer);
      watcher.close();
    },
  };
}
