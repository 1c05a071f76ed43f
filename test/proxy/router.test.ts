import { describe, expect, it } from "vitest";
import { hostOnly, Router } from "../../src/proxy/router.ts";

const router = new Router([
  { host: "*", pathPrefix: "/", target: "default" },
  { host: "*", pathPrefix: "/static", target: "static" },
  { host: "app.example.com", pathPrefix: "/", target: "app" },
  { host: "app.example.com", pathPrefix: "/api", target: "app-api" },
  { host: "*.example.com", pathPrefix: "/", target: "wildcard" },
  { host: "*.eu.example.com", pathPrefix: "/", target: "eu" },
  { host: "only-api.example.org", pathPrefix: "/api", target: "only-api" },
]);

describe("Router", () => {
  it.each([
    { host: "app.example.com", path: "/", expected: "app" },
    { host: "APP.example.com:8080", path: "/api/v1", expected: "app-api" },
    { host: "app.example.com", path: "/apix", expected: "app-api" },
    { host: "www.example.com", path: "/x", expected: "wildcard" },
    { host: "a.eu.example.com", path: "/x", expected: "eu" },
    { host: "other.net", path: "/static/a.css", expected: "static" },
    { host: "other.net", path: "/", expected: "default" },
    { host: undefined, path: "/", expected: "default" },
    { host: "only-api.example.org", path: "/home", expected: "default" },
    { host: "example.com", path: "/", expected: "default" },
  ])("$host $path → $expected", ({ host, path, expected }) => {
    expect(router.match(host, path)).toBe(expected);
  });

  it("returns undefined when nothing matches", () => {
    expect(new Router([{ host: "a.test", pathPrefix: "/", target: 1 }]).match("b.test", "/")).toBeUndefined();
  });

  it.each([
    ["Example.COM:8080", "example.com"],
    ["[::1]:8080", "[::1]"],
    ["host", "host"],
  ])("hostOnly(%s) = %s", (input, expected) => expect(hostOnly(input)).toBe(expected));
});
