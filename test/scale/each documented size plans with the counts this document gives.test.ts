import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ofType, planAwsScale, ROOT, STACK } from "./support";

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Size {
  name: string;
  users: number;
  config: Record<string, string | number>;
  counts: { mediaNodes: number; livekitCpus: number; appNodes: number; appInstanceType: string; gatewayMin: number; gatewayMax: number; edgeReplicas: number; cacheNodes: number; searchDataNodes: number };
}
interface CapacityTable {
  perUnit: { connectionsPerGatewayPod: number; participantsPerLivekitCpu: number; relayedSessionsPerMediaNode: number; relayShare: number; reservedVcpusPerAppNode: number };
  appNodeVcpus: Record<string, number>;
  sizes: Size[];
}

const doc = readFileSync(join(ROOT, "docs", "capacity.md"), "utf8");
const block = /<!-- capacity:begin -->\s*```json\n([\s\S]*?)```\s*<!-- capacity:end -->/.exec(doc);
if (!block) throw new Error("docs/capacity.md: no capacity table between <!-- capacity:begin --> and <!-- capacity:end -->");
const table = JSON.parse(block[1]!) as CapacityTable;

describe("docs/capacity.md", () => {
  it("documents the three sizes, the first being the example stack itself", () => {
    expect(table.sizes.map((s) => s.users)).toEqual([10_000, 100_000, 1_000_000]);
    expect(table.sizes[0]!.config).toEqual({});
    const example = (parse(readFileSync(join(ROOT, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
    const c = table.sizes[0]!.counts;
    expect(example["rampart:mediaNodeCount"]).toBe(c.mediaNodes);
    expect(example["rampart:gatewayMaxReplicas"]).toBe(c.gatewayMax);
  });

  for (const size of table.sizes) {
    it(`${size.name}: aws-scale planned with its configuration declares the documented counts, carries ${size.users.toLocaleString("en")} users and is clean`, async () => {
      const overrides = Object.fromEntries(Object.entries(size.config).map(([k, v]) => [`rampart:${k}`, String(v)]));
      const plan = await planAwsScale(overrides);
      expect(plan.violations).toEqual([]);
      const inputs = (type: string) => ofType(plan.resources, type).map((r) => r.inputs as Rec);

      const groups = Object.fromEntries(inputs("aws:eks/nodeGroup:NodeGroup").map((g) => [g.labels["rampart.io/role"], g]));
      const livekit = inputs("kubernetes:apps/v1:DaemonSet").find((d) => d.metadata.name === "livekit")!;
      const [hpa] = inputs("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
      const edge = inputs("kubernetes:apps/v1:Deployment").find((d) => d.metadata.name === "edge")!;
      const [cache] = inputs("aws:elasticache/replicationGroup:ReplicationGroup");
      const [search] = inputs("aws:opensearch/domain:Domain");
      const declared = {
        mediaNodes: groups.media.scalingConfig.desiredSize,
        livekitCpus: Number(livekit.spec.template.spec.containers[0].resources.limits.cpu),
        appNodes: groups.app.scalingConfig.desiredSize,
        appInstanceType: groups.app.instanceTypes[0],
        gatewayMin: hpa!.spec.minReplicas,
        gatewayMax: hpa!.spec.maxReplicas,
        edgeReplicas: edge.spec.replicas,
        cacheNodes: cache!.numCacheClusters,
        searchDataNodes: search!.clusterConfig.instanceCount,
      };
      expect(declared).toEqual(size.counts);

      const u = table.perUnit;
      expect(declared.gatewayMax * u.connectionsPerGatewayPod, "gateway connections at the HPA's ceiling").toBeGreaterThanOrEqual(size.users);
      expect(declared.mediaNodes * declared.livekitCpus * u.participantsPerLivekitCpu, "LiveKit participants").toBeGreaterThanOrEqual(size.users);
      expect(declared.mediaNodes * u.relayedSessionsPerMediaNode, "TURN relayed sessions").toBeGreaterThanOrEqual(size.users * u.relayShare);
      const vcpus = table.appNodeVcpus[declared.appInstanceType];
      expect(vcpus, `vCPUs of ${declared.appInstanceType} in the table`).toBeDefined();
      expect(declared.appNodes * (vcpus! - u.reservedVcpusPerAppNode), "app node slots for the gateway and edge pods").toBeGreaterThanOrEqual(declared.gatewayMax + declared.edgeReplicas);
    }, 120_000);
  }
});
