/**
 * Regression: a state file left empty or half-written (a crash before the data reached the disk) made
 * startHealthService throw, so `gslb serve` refused to start. Now the file is moved aside, the service starts
 * from an empty state and says so; and writes are fsynced before the rename.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startHealthService } from "../../src/health/service.ts";
import { readStateFile, writeAtomically } from "../../src/health/state-file.ts";
import { ManualTimers } from "../../src/health/timers.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const { path: dir, remove } = tempDir("corrupt-state");
afterAll(remove);

describe("a corrupt health state file", () => {
  it.each([
    ["empty", ""],
    ["truncated JSON", '{"version":1,"targets":{'],
    ["wrong shape", '{"version":1,"targets":[]}'],
  ])("%s: the service starts from an empty state and moves the file aside", async (_label, text) => {
    const file = join(dir, `${_label.replace(/\W/g, "-")}.json`);
    writeFileSync(file, text);
    await expect(readStateFile(file)).rejects.toMatchObject({ code: "GSLB_ERR_STATE_FILE" });
    const lines: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    const service = await startHealthService({
      stateFile: file,
      timers: new ManualTimers(0),
      logger,
      healthyRegions: () => [],
      answersByRegion: () => new Map(),
    });
    try {
      const aside = readdirSync(dir).filter((f) =>
        f.startsWith(`${_label.replace(/\W/g, "-")}.json.corrupt-`),
      );
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0]!), "utf8")).toBe(text);
      expect(lines.join("")).toMatch(/health state file unreadable: moved aside/);
    } finally {
      await service.stop();
    }
  });

  it("a good file is read, not moved", async () => {
    const file = join(dir, "good.json");
    await writeAtomically(file, '{"version":1,"savedAt":0,"targets":{},"overrides":[]}\n');
    const service = await startHealthService({
      stateFile: file,
      timers: new ManualTimers(0),
      healthyRegions: () => [],
      answersByRegion: () => new Map(),
    });
    await service.stop();
    expect(existsSync(file)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith("good.json.corrupt"))).toEqual([]);
  });
});
