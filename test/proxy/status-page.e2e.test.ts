/**
 * End to end: the live status page rendered by a real browser (Debian `chromium` through playwright-core;
 * `scripts/install-debian-tools.sh e2e` installs it). Checks what an operator sees: the verdict, one row
 * per upstream coloured by state, and that the page refreshes itself to show a drain.
 */
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import { get, startBackend, startProxy, upstreamsYaml, type Backend } from "./helpers.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

describe("status page in headless Chromium", () => {
  let browser: Browser;
  let backends: Backend[];
  let proxy: RegionalProxy;

  beforeAll(async () => {
    backends = await Promise.all(["a", "b"].map((n) => startBackend(n)));
    proxy = await startProxy(`listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes: [{ upstream: web }]
upstreams:
  web:
    servers:
${upstreamsYaml(backends, (_b, i) => `        weight: ${i + 1}\n`)}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    for (const b of backends ?? []) await b.close();
  });

  it("shows every upstream with its state, and picks up a drain on its own refresh", async () => {
    await get(proxy.listenAddresses[0]!.port, "/");
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${proxy.adminAddress.port}/status`);
    expect(await page.title()).toBe("gslb proxy status");
    expect(await page.locator("#verdict").textContent()).toBe("READY");
    const rows = page.locator("tr.upstream");
    expect(await rows.count()).toBe(2);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-state")))).toEqual([
      "up",
      "up",
    ]);
    const colour = `getComputedStyle(document.querySelector('tr[data-id="${backends[0]!.address}"]')).backgroundColor`;
    expect(await page.evaluate(colour)).toBe("rgb(192, 255, 192)");
    expect(await page.locator(`caption`).textContent()).toContain("web — 2/2 healthy");

    proxy.drainUpstream("web", backends[0]!.address);
    // The page's own <meta refresh> must bring the change; the test never reloads it.
    await page.waitForFunction('document.querySelectorAll("tr.upstream").length === 1', undefined, {
      timeout: 6_000,
    });
    expect(await page.locator("tr.upstream").getAttribute("data-id")).toBe(backends[1]!.address);
    await page.close();
  });
});
