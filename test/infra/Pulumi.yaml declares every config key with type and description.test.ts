import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../infra/config";
import { renderProjectFile } from "../../infra/config/project-file";

const root = join(__dirname, "..", "..");

describe("Pulumi.yaml", () => {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));

  it("is the file derived from the config key table (regenerate with scripts/tools/write-project-file.ts)", () => {
    expect(readFileSync(join(root, "Pulumi.yaml"), "utf8")).toBe(renderProjectFile());
  });

  it("runs the nodejs runtime with TypeScript", () => {
    expect(project.runtime).toEqual({ name: "nodejs", options: { packagemanager: "npm", typescript: true } });
  });

  it("types and describes every key; secret keys are marked", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    for (const [name, spec] of Object.entries(project.config as Record<string, Record<string, unknown>>)) {
      expect(["string", "integer", "boolean", "array"], name).toContain(spec.type);
      expect(String(spec.description).length, name).toBeGreaterThan(20);
    }
    expect(project.config.jwtSecret.secret).toBe(true);
    expect(project.config.gatewayFanoutKey.secret).toBe(true);
  });

  it("shipped stacks set only declared keys", () => {
    for (const stack of ["local", "aws-example"]) {
      const doc = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8"));
      for (const key of Object.keys(doc.config)) {
        const [ns, name] = key.split(":");
        if (ns === "rampart") expect(Object.keys(CONFIG_KEYS), `${stack}: ${key}`).toContain(name);
      }
    }
  });
});
