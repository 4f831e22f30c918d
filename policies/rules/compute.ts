import type { PolicyResource } from "@pulumi/policy";
import { secretsInText } from "@rampart/catalogue";
import type { ResourceRule, StackRule } from "./rule";
import { T } from "./types";
import { asNumber, asRecords, asString, isMasked, isRecord, isTrue } from "./values";

/** Every resource that describes how an EC2 instance is launched: the rules hold for all three alike. */
const LAUNCHERS = [T.instance, T.launchTemplate, T.launchConfiguration] as const;

export const imdsV2Required: ResourceRule = {
  kind: "resource",
  name: "ec2-imdsv2-required-hop-limit-1",
  description:
    "EC2 instances, launch templates and launch configurations (what Auto Scaling groups launch) require IMDSv2 session tokens (httpTokens=required) with a PUT response hop limit of 1, so containers cannot reach the instance's credentials.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set metadataOptions { httpTokens: \"required\", httpPutResponseHopLimit: 1, httpEndpoint: \"enabled\" } (or httpEndpoint \"disabled\").",
  anchors: { checkov: "CKV_AWS_79", guide: "docs/threat-model.md; https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-options.html" },
  resourceTypes: LAUNCHERS,
  validateResource: (args, report) => {
    const m = isRecord(args.props.metadataOptions) ? args.props.metadataOptions : {};
    if (m.httpEndpoint === "disabled") return;
    if (m.httpTokens === undefined) report('metadataOptions.httpTokens is not set: the AMI and account defaults decide, and most leave IMDSv1 on; set "required"');
    else if (m.httpTokens !== "required") report(`metadataOptions.httpTokens is ${JSON.stringify(m.httpTokens)}; IMDSv2 requires "required"`);
    const hop = asNumber(m.httpPutResponseHopLimit);
    if (hop !== 1) report(`metadataOptions.httpPutResponseHopLimit is ${hop ?? "not set (1, or 2 for AMIs that default to IMDSv2)"}; set 1 so containers behind a bridge cannot reach instance credentials`);
  },
};

export const encryptedVolumes: ResourceRule = {
  kind: "resource",
  name: "ebs-volumes-encrypted",
  description: "Root and attached EBS volumes of instances, launch templates and launch configurations, and standalone EBS volumes, are encrypted.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set rootBlockDevice.encrypted and every ebsBlockDevices[].encrypted to true (launch templates: blockDeviceMappings[].ebs.encrypted), aws.ebs.Volume encrypted: true; optionally a KMS key.",
  anchors: { checkov: "CKV_AWS_8; CKV_AWS_3", kics: "EBS Volume Encryption Disabled (cc997676)" },
  resourceTypes: [...LAUNCHERS, T.ebsVolume],
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === T.ebsVolume) {
      if (!isTrue(p.encrypted)) report("the EBS volume is not encrypted (encrypted: true)");
      return;
    }
    if (args.type === T.instance || args.type === T.launchConfiguration) {
      const root = isRecord(p.rootBlockDevice) ? p.rootBlockDevice : undefined;
      if (!root || !isTrue(root.encrypted)) report("rootBlockDevice.encrypted is not true: the root volume is encrypted only if the account turned on EBS encryption by default");
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
  anchors: { checkov: "CKV2_AWS_11", kics: "VPC FlowLogs Disabled (f83121ea)" },
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

/** User data as text: launch templates carry it base64-encoded, instances either way. */
function userDataTexts(p: Record<string, unknown>, type: string): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [];
  const plain = asString(p.userData);
  if (plain && !isMasked(plain)) out.push({ field: "userData", text: type === T.launchTemplate ? decodeBase64(plain) : plain });
  const b64 = asString(p.userDataBase64);
  if (b64 && !isMasked(b64)) out.push({ field: "userDataBase64", text: decodeBase64(b64) });
  return out;
}

/** Base64 when it is base64, else the text as written (a program may hand a template plain text). */
function decodeBase64(v: string): string {
  const t = v.trim();
  if (!/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(t)) return v;
  const decoded = Buffer.from(t, "base64").toString("utf8");
  // Binary (or not really base64) decodes to control characters or replacement characters.
  const binary = [...decoded].some((c) => c.charCodeAt(0) < 9 || c === "\uFFFD");
  return binary ? v : decoded;
}

export const noSecretsInUserData: ResourceRule = {
  kind: "resource",
  name: "ec2-no-secrets-in-user-data",
  description:
    "User data of instances, launch templates and launch configurations (scripts and cloud-init) holds no secret: no private key, cloud access key, token, password in a URL or connection string, and no literal assigned to a secret-looking name (DB_PASSWORD=…, password: …). Anyone who can describe the instance reads it, and it sits in plain state.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Keep secrets out of user data: grant the instance role read access to AWS Secrets Manager or SSM Parameter Store and fetch the secret at boot (aws ssm get-parameter --with-decryption), or pass it as a pulumi secret to a service that reads it from a file.",
  anchors: { checkov: "CKV_AWS_46" },
  resourceTypes: LAUNCHERS,
  validateResource: (args, report) => {
    for (const { field, text } of userDataTexts(args.props, args.type)) {
      for (const f of secretsInText(text)) report(`${field} line ${f.line} holds ${f.what}`);
    }
  },
};

export const noPublicIp: ResourceRule = {
  kind: "resource",
  name: "ec2-no-automatic-public-ip",
  description:
    "Instances, launch templates and launch configurations do not ask for a public IP, and subnets do not hand one out on launch (mapPublicIpOnLaunch): a host is reachable from the internet only through an address someone chose (an Elastic IP, a load balancer). Under the rampart profile a launch template of Rampart's media nodes (instances tagged rampart.io/role=media) is exempt: media and TURN are reached at each node's own address by design.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Set associatePublicIpAddress false (launch templates: networkInterfaces[].associatePublicIpAddress \"false\") and subnet mapPublicIpOnLaunch false; publish the service through a load balancer or an Elastic IP.",
  anchors: { checkov: "CKV_AWS_88; CKV_AWS_130" },
  resourceTypes: [...LAUNCHERS, T.subnet],
  validateResource: (args, report, ctx) => {
    const p = args.props;
    if (args.type === T.subnet) {
      if (isTrue(p.mapPublicIpOnLaunch)) report("mapPublicIpOnLaunch is true: every instance launched in the subnet gets a public IP");
      return;
    }
    // Rampart's media nodes (aws-scale) are reached at their own address by design: ICE candidates and
    // each coturn's relay address are the node's public IP, which no load balancer can stand in for.
    if (ctx?.profile === "rampart" && launchesMediaNodes(p)) return;
    if (isTrue(p.associatePublicIpAddress)) report("associatePublicIpAddress is true: the instance gets a public IP");
    asRecords(p.networkInterfaces).forEach((n, i) => {
      if (isTrue(n.associatePublicIpAddress)) report(`networkInterfaces[${i}].associatePublicIpAddress is true`);
    });
  },
};

/** A launch template whose instances carry Rampart's media role tag (components/cluster). */
function launchesMediaNodes(p: Record<string, unknown>): boolean {
  return asRecords(p.tagSpecifications).some((spec) => {
    const tags = spec.tags;
    return typeof tags === "object" && tags !== null && (tags as Record<string, unknown>)["rampart.io/role"] === "media";
  });
}

export const detailedMonitoring: ResourceRule = {
  kind: "resource",
  name: "ec2-detailed-monitoring",
  description: "Instances, launch templates and launch configurations turn on detailed (1-minute) CloudWatch monitoring.",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps: "Set `monitoring: true` on instances, `monitoring: { enabled: true }` on launch templates (launch configurations: enableMonitoring stays true).",
  anchors: { checkov: "CKV_AWS_126" },
  resourceTypes: LAUNCHERS,
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === T.instance && !isTrue(p.monitoring)) report("monitoring is not true: detailed monitoring is off");
    if (args.type === T.launchTemplate && !(isRecord(p.monitoring) && isTrue(p.monitoring.enabled))) report("monitoring.enabled is not true: detailed monitoring is off");
    if (args.type === T.launchConfiguration && p.enableMonitoring === false) report("enableMonitoring is false: detailed monitoring is off");
  },
};

/** The launch template (or configuration) an Auto Scaling group launches from, as the group names it. */
function launchSourceOf(p: Record<string, unknown>): { kind: "template" | "configuration"; ref: unknown } | undefined {
  if (isRecord(p.launchTemplate)) return { kind: "template", ref: p.launchTemplate.id ?? p.launchTemplate.name };
  const mixed = isRecord(p.mixedInstancesPolicy) && isRecord(p.mixedInstancesPolicy.launchTemplate) ? p.mixedInstancesPolicy.launchTemplate : undefined;
  const spec = mixed && isRecord(mixed.launchTemplateSpecification) ? mixed.launchTemplateSpecification : undefined;
  if (spec) return { kind: "template", ref: spec.launchTemplateId ?? spec.launchTemplateName };
  if (p.launchConfiguration !== undefined) return { kind: "configuration", ref: p.launchConfiguration };
  return undefined;
}

export const autoscalingLaunchesJudgedTemplate: StackRule = {
  kind: "stack",
  name: "autoscaling-group-launches-declared-template",
  description:
    "Every Auto Scaling group launches from a launch template or launch configuration the program declares, so the instance rules (IMDSv2, encrypted volumes, no secrets in user data, no automatic public IP) judge what the group starts.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps:
    "Declare the launch template in the program (aws.ec2.LaunchTemplate) and pass its id to the group's launchTemplate, instead of naming a template made elsewhere.",
  anchors: { guide: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-templates.html" },
  validateStack: (args, report) => {
    const groups = args.resources.filter((r) => r.type === T.autoscalingGroup);
    if (groups.length === 0) args.notApplicable("the stack creates no Auto Scaling group");
    const sources = args.resources.filter((r) => r.type === T.launchTemplate || r.type === T.launchConfiguration);
    // Without the engine's ids (an offline plan holds inputs only), a literal reference may be one of the
    // program's own templates: judge literals only when every declared template's id is known.
    const idsKnown = sources.every((s) => typeof s.props.id === "string" && !isMasked(s.props.id));
    for (const g of groups) {
      const name = asString(g.props.name) ?? g.name;
      const source = launchSourceOf(g.props);
      if (!source) {
        report(`Auto Scaling group "${name}" names no launch template or launch configuration`, g.urn);
        continue;
      }
      const ref = source.ref;
      if (typeof ref !== "string" || isMasked(ref)) continue; // an output of this program, unknown at preview
      const declared = sources.some(
        (s) =>
          s.props.id === ref ||
          s.props.name === ref ||
          g.dependencies.some((d) => d.urn === s.urn) ||
          Object.values(g.propertyDependencies).some((deps) => deps.some((d) => d.urn === s.urn)),
      );
      if (!declared && idsKnown) {
        report(`Auto Scaling group "${name}" launches from launch ${source.kind} "${ref}", which this program does not declare: no instance rule can judge what it starts`, g.urn);
      }
    }
  },
};

export const computeResourceRules: ResourceRule[] = [imdsV2Required, encryptedVolumes, noSecretsInUserData, noPublicIp, detailedMonitoring];
export const computeStackRules: StackRule[] = [vpcFlowLogs, autoscalingLaunchesJudgedTemplate];
