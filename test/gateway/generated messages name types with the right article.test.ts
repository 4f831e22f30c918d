import { describe, expect, it } from "vitest";
import { parseDevices } from "../../gateway/src/device/registry.js";
import { withArticle } from "@rampart/catalogue";
import { loadConfig } from "../../gateway/src/config.js";
import { DEVICE_SECRET } from "./support/devices.js";
import { ALLOWED_ORIGIN, JWT_SECRET } from "./support/tokens.js";

/** "a" before a vowel-initial type name: "a integer", "a array", "a object". */
const WRONG_ARTICLE = /\ba (?:[aeio]|un(?!i))/i;

function devicesProblem(devices: unknown): string {
  try {
    parseDevices(JSON.stringify(devices), "devices.json");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected DEVICES_FILE to be refused");
}

describe("messages generated from type names", () => {
  it.each([
    ["integer", "an integer"],
    ["array", "an array"],
    ["object", "an object"],
    ["enum", "an enum"],
    ["undefined", "undefined"],
    ["null", "null"],
    ["string", "a string"],
    ["number", "a number"],
    ["union", "a union"],
    ["URL", "a URL"],
    ["unknown", "an unknown"],
  ])("%s takes the right article: %s", (noun, expected) => {
    expect(withArticle(noun)).toBe(expected);
  });

  it.each([
    [[], "DEVICES_FILE devices.json: (root): must be an object, not an array"],
    [{ "sensor-1": { secret: DEVICE_SECRET, status: "approved", rooms: "demo" } }, "DEVICES_FILE devices.json: sensor-1.rooms: must be an array, not a string"],
    [{ "sensor-1": { secret: DEVICE_SECRET, status: "approved", rooms: [7] } }, "DEVICES_FILE devices.json: sensor-1.rooms.0: must be a string, not a number"],
    [{ "sensor-1": { secret: DEVICE_SECRET, status: "approved", rooms: [""] } }, "DEVICES_FILE devices.json: sensor-1.rooms.0: must have at least 1 character"],
    [{ "sensor-1": "approved" }, "DEVICES_FILE devices.json: sensor-1: must be an object, not a string"],
    [{ "sensor-1": { status: "approved" } }, "DEVICES_FILE devices.json: sensor-1.secret: is required (a string)"],
  ])("DEVICES_FILE %j: %s", (devices, message) => {
    const problem = devicesProblem(devices);
    expect(problem).toBe(message);
    expect(problem).not.toMatch(WRONG_ARTICLE);
  });

  it("lists every problem of a devices file, names no secret, and keeps the schema's own wording", () => {
    const problem = devicesProblem({ "bad id!": {}, "sensor-2": { secret: "short-device-secret", status: "maybe", extra: 1 } });
    expect(problem).toBe(
      'DEVICES_FILE devices.json: bad id!: device ids are 1-64 of [A-Za-z0-9_.-]; sensor-2.secret: secret must be at least 32 characters; sensor-2.status: must be one of "approved", "blocked"; sensor-2: has unknown key "extra"',
    );
    expect(problem).not.toContain("short-device-secret");
  });

  it("says an integer in configuration messages", () => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: ALLOWED_ORIGIN, JWT_SECRET, HEARTBEAT_MS: "1.5" })).toThrow("HEARTBEAT_MS must be an integer between 100 and 600000");
  });
});
