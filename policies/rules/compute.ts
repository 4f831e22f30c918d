import type { PolicyResource } from "@pulumi/policy";
import type { ResourceRule, StackRule } from "./rule";
import { T } from "./types";
import { asNumber, asRecords, asString, isMasked, isRecord, isTrue } from "./values";

export const imdsV2Required: ResourceRule = {
  kind: "resource",
  name: "ec2-imdsv2-required-hop-limit-1",
  description:
    "EC2 instances and launch templates require IMDSv2 session tokens (httpTokens=required) with a PUT response hop limit of 1, so containers cannot reach the instance's credentials.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set metadataOptions { httpTokens: \"required\", httpPutResponseHopLimit: 1, httpEndpoint: \"enabled\" } (or httpEndpoint \"disabled\").",
  anchors: { checkov: "CKV_AWS_79", kics: "Instance With No IMDSv2 (8d29754a)", guide: "docs/threat-model.md; https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-options.html" },
  resourceTypes: [T.instance, T.launchTemplate],
  validateResource: (args, report) => {
    const m = isRecord(args.props.metadataOptions) ? args.props.metadataOptions : {};
    if (m.httpEndpoint === "disabled") return;
    if (m.httpTokens !== "required") report(`metadataOptions.httpTokens is ${JSON.stringify(m.httpTokens ?? "unset (optional)")}; IMDSv2 requires "required"`);
    const hop = asNumber(m.httpPutResponseHopLimit);
    if (hop !== 1) report(`metadataOptions.httpPutResponseHopLimit is ${hop ?? "unset"}; it must be 1 so containers behind a bridge cannot reach instance credentials`);
  },
};

export const encryptedVolumes: ResourceRule = {
  kind: "resource",
  name: "ebs-volumes-encrypted",
  description: "Root and attached EBS volumes of instances and launch templates, and standalone EBS volumes, are encrypted.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set rootBlockDevice.encrypted and every ebsBlockDevices[].encrypted to true (launch templates: blockDeviceMappings[].ebs.encrypted), aws.ebs.Volume encrypted: true; optionally a KMS key.",
  anchors: { checkov: "CKV_AWS_8, CKV_AWS_3", kics: "EBS Volume Encryption Disabled (cc997676)", cis: "AWS Foundations 2.2.1" },
  resourceTypes: [T.instance, T.launchTemplate, T.ebsVolume],
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === T.ebsVolume) {
      if (!isTrue(p.encrypted)) report("the EBS volume is not encrypted (encrypted: true)");
      return;
    }
    if (args.type === T.instance) {
      const root = isRecord(p.rootBlockDevice) ? p.rootBlockDevice : undefined;
      if (!root || !isTrue(root.encrypted)) report("rootBlockDevice.encrypted is not true: the root volume is unencrypted");
      asRecords(p.ebsBlockDevices).forEach((d, i) => {
        if (!isTrue(d.encrypted)) report(`ebsBlockDevices[${i}] (${asString(d.deviceName) ?? "?"}) is not encrypted`);
      });
      return;
    }
    asRecords(p.blockDeviceMappings).forEach((m, i) => {
      const ebs = isRecord(m.ebs) ? m.ebs : undefined;
      if (ebs && !isTrue(ebs.encrypted)) report(`blockDeviceMappings[${i}].ebs (${asString(m.deviceName) ?? "?"}) is not encrypted`);
    });
  },
};

/** The id a VPC is referred to by: its output id when known (stack export), else nothing. */
function vpcIdOf(r: PolicyResource): string | undefined {
  return asString(r.props.id);
}

export const vpcFlowLogs: StackRule = {
  kind: "stack",
  name: "vpc-flow-logs-enabled",
  description: "Every VPC the program creates has a flow log.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Add aws.ec2.FlowLog { vpcId: vpc.id, trafficType: \"ALL\", logDestination: ... } for each VPC.",
  anchors: { cis: "AWS Foundations 3.7", checkov: "CKV2_AWS_11", kics: "VPC FlowLogs Disabled (f83121ea)" },
  validateStack: (args, report) => {
    const vpcs = args.resources.filter((r) => r.type === T.vpc);
    if (vpcs.length === 0) args.notApplicable("the stack creates no VPC");
    const logs = args.resources.filter((r) => r.type === T.flowLog);
    const unmatchedLogs = [...logs];
    const unmatchedVpcs: PolicyResource[] = [];
    for (const vpc of vpcs) {
      const id = vpcIdOf(vpc);
      const i = unmatchedLogs.findIndex(
        (l) =>
          (id !== undefined && l.props.vpcId === id) ||
          l.dependencies.some((d) => d.urn === vpc.urn) ||
          (l.propertyDependencies.vpcId ?? []).some((d) => d.urn === vpc.urn),
      );
      if (i >= 0) unmatchedLogs.splice(i, 1);
      else unmatchedVpcs.push(vpc);
    }
    // Without ids or dependencies (the offline plan holds inputs only), a flow log whose vpcId is
    // set (or masked/unknown) is taken to belong to one of the VPCs left over.
    let spare = unmatchedLogs.filter((l) => typeof l.props.vpcId === "string" || isMasked(l.props.vpcId)).length;
    for (const vpc of unmatchedVpcs) {
      if (spare > 0) {
        spare--;
        continue;
      }
      report(`VPC "${vpc.name}" has no flow log (aws.ec2.FlowLog with its vpcId)`, vpc.urn);
    }
  },
};

export const computeResourceRules: ResourceRule[] = [imdsV2Required, encryptedVolumes];
export const computeStackRules: StackRule[] = [vpcFlowLogs];
