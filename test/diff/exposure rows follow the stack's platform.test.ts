import { describe, expect, it } from "vitest";
import { compareExposure } from "../../infra/diff/exposure";

const sg = (cidr: string) => ({
  urn: "urn:pulumi:s::rampart::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::r",
  type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  name: "r",
  inputs: { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: cidr, description: "d" },
});
const cluster = { urn: "urn:pulumi:s::rampart::aws:eks/cluster:Cluster::c", type: "aws:eks/cluster:Cluster", name: "c", inputs: {} };

describe("the diff's exposure rows", () => {
  it("are the docker platform's on a single-host stack: 443 is the edge's only", () => {
    const rows = compareExposure([sg("10.40.0.0/16")], [sg("192.0.2.0/24")]);
    expect(rows.map((r) => r.port)).toContain("edge-https");
    expect(rows.map((r) => r.port)).not.toContain("search-https");
    expect(rows.map((r) => r.port)).toContain("elasticsearch-http");
  });
  it("are the kubernetes platform's when the stack has EKS or Kubernetes resources: OpenSearch's 443 is a vpc-class row", () => {
    const rows = compareExposure([cluster, sg("10.40.0.0/16")], [cluster, sg("192.0.2.0/24")]);
    const search = rows.find((r) => r.port === "search-https")!;
    expect(search.class).toBe("vpc");
    expect(search.widened).toBe(true);
    expect(rows.map((r) => r.port)).not.toContain("elasticsearch-http");
  });
});
