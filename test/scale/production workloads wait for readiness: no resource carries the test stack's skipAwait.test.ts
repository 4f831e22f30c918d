/**
 * The Kubernetes suite (test/k8s) runs against an API server without a kubelet, so its test stack adds
 * `pulumi.com/skipAwait: "true"` to Deployments, DaemonSets and Services by a stack transform. Production
 * must never carry it: without readiness waits a broken rollout would report success. This plans the
 * shipped aws-scale stack under the mock harness and looks for the annotation anywhere in what it declares.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planAwsScale, type ScalePlan } from "./support";

let plan: ScalePlan;
beforeAll(async () => {
  plan = await planAwsScale();
}, 120_000);

describe("aws-scale as shipped", () => {
  it("declares its Deployments, DaemonSets and Services", () => {
    const types = plan.declared.map((r) => r.type);
    for (const t of ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet", "kubernetes:core/v1:Service"]) expect(types).toContain(t);
  });

  it("has no resource with a pulumi.com/skipAwait annotation (or any skipAwait setting), so the provider waits for every rollout", () => {
    const carriers = plan.declared.filter((r) => /skipAwait/i.test(JSON.stringify(r.inputs))).map((r) => `${r.type}::${r.name}`);
    expect(carriers).toEqual([]);
  });
});
