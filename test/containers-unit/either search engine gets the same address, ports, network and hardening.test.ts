/**
 * searchEngine elasticsearch | opensearch: the stack declares one search node either way, and everything
 * but the image and the engine's own files is the same: address, network, published ports (none), user
 * model, read-only root, capabilities, limits, the exec-tmp and memlock exceptions, volumes for data.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { DEFAULT_IMAGES } from "../../components/containers/images";
import { capture, maskedInputs, reveal, seedFor, serviceContainersOf, type CapturedResource, type ContainerInputs } from "./support/capture";
import { buildStack } from "./support/stacks";

const serviceOf = (c: ContainerInputs) => (c.labels as { label: string; value: string }[]).find((l) => l.label === "rampart.service")!.value;

for (const target of ["local", "aws"] as const) {
  describe(`${target} stack`, () => {
    const declared = {} as Record<"elasticsearch" | "opensearch", { resources: CapturedResource[]; search: CapturedResource; inputs: ContainerInputs }>;
    beforeAll(async () => {
      for (const engine of ["elasticsearch", "opensearch"] as const) {
        const resources = await capture(() => buildStack(target, { searchEngine: engine }));
        const search = serviceContainersOf(resources).filter((r) => serviceOf(reveal<ContainerInputs>(r.inputs)) === "elasticsearch");
        expect(search, `${engine}: one search container`).toHaveLength(1);
        declared[engine] = { resources, search: search[0]!, inputs: reveal<ContainerInputs>(search[0]!.inputs) };
      }
    });

    it("runs the pinned image of the engine chosen, and only that engine", () => {
      expect(declared.elasticsearch.inputs.image).toBe(DEFAULT_IMAGES.elasticsearch);
      expect(declared.opensearch.inputs.image).toBe(DEFAULT_IMAGES.opensearch);
      expect(declared.opensearch.inputs.name).toBe("rampart-opensearch");
      const names = serviceContainersOf(declared.opensearch.resources).map((r) => reveal<ContainerInputs>(r.inputs).name);
      expect(names).not.toContain("rampart-elasticsearch");
    });

    it("keeps the address, network, published ports and hardening of the search node", () => {
      const same = (c: ContainerInputs) => {
        const r = c as unknown as Record<string, unknown>;
        return {
          networks: r.networksAdvanced,
          ports: r.ports ?? [],
          readOnly: c.readOnly,
          privileged: c.privileged,
          capabilities: c.capabilities,
          securityOpts: c.securityOpts,
          memory: c.memory,
          memorySwap: c.memorySwap,
          cpus: c.cpus,
          ulimits: c.ulimits,
          restart: c.restart,
          init: c.init,
          logOpts: c.logOpts,
          // The same scratch mounts at each engine's own paths, owned by each image's user.
          tmpfs: Object.fromEntries(
            Object.entries(r.tmpfs as Record<string, string>).map(([path, o]) => [path.replace(/^\/usr\/share\/(elasticsearch|opensearch)/, "<home>"), o.replace(/,uid=\d+,gid=\d+$/, "")]),
          ),
          uidNonRoot: Number(c.user.split(":")[0]) > 0,
        };
      };
      expect(same(declared.opensearch.inputs)).toEqual(same(declared.elasticsearch.inputs));
      expect(((declared.opensearch.inputs as unknown as { ports?: unknown[] }).ports ?? []).length).toBe(0);
    });

    it("mounts the data on a named volume and the config directory read-only (OpenSearch writes nothing there)", () => {
      const mounts = (declared.opensearch.inputs as unknown as { mounts: { target: string; readOnly: boolean; type: string }[] }).mounts;
      expect(mounts.find((m) => m.target === "/usr/share/opensearch/data")).toMatchObject({ type: "volume", readOnly: false });
      expect(mounts.find((m) => m.target === "/usr/share/opensearch/config")).toMatchObject({ type: "volume", readOnly: true });
      for (const m of mounts.filter((m) => m.target !== "/usr/share/opensearch/data")) expect(m.readOnly, m.target).toBe(true);
    });

    it("delivers the password, the node key and the user database as secrets, and keeps opensearch.yml readable", () => {
      const seed = seedFor(declared.opensearch.resources, declared.opensearch.search);
      const uploads = (maskedInputs(seed).uploads as { file: string; content: string; permissions: string }[]);
      const byFile = Object.fromEntries(uploads.map((u) => [u.file, u]));
      for (const f of ["/run/secrets/search-password", "/usr/share/opensearch/config/node.key", "/usr/share/opensearch/config/opensearch-security/internal_users.yml"]) {
        expect(byFile[f], f).toMatchObject({ content: "[secret]", permissions: "0400" });
      }
      expect(byFile["/usr/share/opensearch/config/opensearch.yml"]!.content).toContain("plugins.security.ssl.http.enabled: true");
      const env = (declared.opensearch.inputs as unknown as { envs: string[] }).envs;
      expect(env).toContain("DISABLE_INSTALL_DEMO_CONFIG=true");
      expect(env.join("\n")).not.toMatch(/PASSWORD=/);
    });

    it("passes the policy pack with either engine", () => {
      for (const engine of ["elasticsearch", "opensearch"] as const) {
        // As the plan shows them, with the protection options the data-resources rule reads.
        const plan = declared[engine].resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, ...(r.protect ? { protect: true as const } : {}), inputs: maskedInputs(r) }));
        expect(evaluatePolicies(plan).violations.filter((v) => v.level === "mandatory"), engine).toEqual([]);
      }
    });
  });
}
