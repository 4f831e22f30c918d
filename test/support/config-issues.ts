import { expect } from "vitest";
import { ConfigError, parseConfig } from "../../infra/config";

/** The problems configuration validation reports for `values`; fails the test if they are accepted. */
export function issuesOf(values: Record<string, unknown>): string[] {
  try {
    parseConfig(values);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error("configuration was accepted");
}
