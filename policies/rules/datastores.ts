import type { ResourceRule } from "./rule";
import { K } from "./scale-types";
import { asArray, asNumber, asRecords, asString, isMasked, isNonEmptyString, isRecord, isTrue } from "./values";

export const elasticacheEncryptedAndAuthenticated: ResourceRule = {
  kind: "resource",
  name: "elasticache-encrypted-and-authenticated",
  description:
    "ElastiCache replication groups encrypt in transit (TLS required) and at rest with a KMS key, authenticate clients (RBAC user groups or an auth token), and fail over automatically across zones.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set transitEncryptionEnabled: true (transitEncryptionMode \"required\"), atRestEncryptionEnabled: true with kmsKeyId, userGroupIds with one RBAC user per client (default user off), automaticFailoverEnabled and multiAzEnabled with at least one replica.",
  anchors: {
    checkov: "CKV_AWS_29; CKV_AWS_30; CKV_AWS_31",
    kics: "ElastiCache Replication Group Not Encrypted At Rest (76976de7)",
    guide: "docs/kubernetes.md; https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html",
  },
  resourceTypes: [K.replicationGroup],
  validateResource: (args, report) => {
    const p = args.props;
    if (!isTrue(p.transitEncryptionEnabled)) report("transitEncryptionEnabled is not true: clients and replicas talk in clear text");
    else if (p.transitEncryptionMode === "preferred") report("transitEncryptionMode is \"preferred\": clients may still connect without TLS; use \"required\"");
    if (!isTrue(p.atRestEncryptionEnabled)) report("atRestEncryptionEnabled is not true");
    else if (!isMasked(p.kmsKeyId) && !asString(p.kmsKeyId)) report("at-rest encryption uses the AWS-owned key: set kmsKeyId to the stack's KMS key");
    if (asArray(p.userGroupIds).length === 0 && p.authToken === undefined) report("no RBAC user group and no auth token: any client that reaches the port is let in");
    if (!isTrue(p.automaticFailoverEnabled) || !isTrue(p.multiAzEnabled)) report("automaticFailoverEnabled and multiAzEnabled must both be true: the loss of the primary's zone must not stop the service");
    const nodes = asNumber(p.numCacheClusters) ?? (asNumber(p.replicasPerNodeGroup) !== undefined ? 1 + asNumber(p.replicasPerNodeGroup)! : undefined);
    if (nodes !== undefined && nodes < 2) report(`${nodes} cache node(s): failover needs a replica in another zone`);
  },
};

export const elasticacheUserScoped: ResourceRule = {
  kind: "resource",
  name: "elasticache-users-scoped",
  description: "ElastiCache RBAC users are scoped: the default user is off, and no user is granted every key and every command (`~*`/`allkeys` with `+@all`), or no password.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Render access strings from the per-client ACL users (components/config/elasticache.ts): key patterns, channels and commands of that client only; the `default` user \"off -@all\"; authenticationMode type \"password\".",
  anchors: { guide: "docs/services.md#redis; https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html" },
  resourceTypes: [K.cacheUser],
  validateResource: (args, report) => {
    const access = asString(args.props.accessString);
    const userName = asString(args.props.userName) ?? "?";
    if (access === undefined) return;
    const words = access.split(/\s+/);
    if (userName === "default" && !words.includes("off")) report(`the default user's access string "${access}" does not turn it off`);
    const everyKey = words.includes("~*") || words.includes("allkeys");
    const everyCommand = words.includes("+@all") || words.includes("allcommands");
    if (everyKey && everyCommand) report(`user ${userName} may run every command on every key ("${access}")`);
    if (words.includes("nopass")) report(`user ${userName} needs no password (nopass)`);
    const mode = isRecord(args.props.authenticationMode) ? asString(args.props.authenticationMode.type) : undefined;
    if (mode === "no-password-required") report(`user ${userName}: authenticationMode is no-password-required`);
  },
};

/** TLS security policies of OpenSearch Service that allow nothing below TLS 1.2. */
export const OPENSEARCH_TLS12_POLICIES = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"] as const;

export const openSearchPrivateAndEncrypted: ResourceRule = {
  kind: "resource",
  name: "opensearch-private-encrypted-fine-grained",
  description:
    "OpenSearch Service domains live in the VPC, enforce HTTPS with a TLS 1.2+ policy, encrypt node to node and at rest, use fine-grained access control without anonymous access, and have an access policy that names principals (never `*`).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set vpcOptions { subnetIds, securityGroupIds }, domainEndpointOptions { enforceHttps: true, tlsSecurityPolicy: \"Policy-Min-TLS-1-2-PFS-2023-10\" }, nodeToNodeEncryption.enabled, encryptAtRest.enabled (with kmsKeyId), advancedSecurityOptions { enabled: true, anonymousAuthEnabled: false } with the master password from a secret, and accessPolicies naming the client roles.",
  anchors: {
    checkov: "CKV_AWS_137; CKV_AWS_83; CKV_AWS_228; CKV_AWS_6; CKV_AWS_5",
    kics: "Elasticsearch with HTTPS disabled (2e9e0729)",
    guide: "docs/kubernetes.md; https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html",
  },
  resourceTypes: [K.openSearch],
  validateResource: (args, report) => {
    const p = args.props;
    const vpc = isRecord(p.vpcOptions) ? p.vpcOptions : undefined;
    if (!vpc || asArray(vpc.subnetIds).length === 0) report("no vpcOptions: the domain has a public endpoint");
    const endpoint = isRecord(p.domainEndpointOptions) ? p.domainEndpointOptions : {};
    if (endpoint.enforceHttps !== true) report("domainEndpointOptions.enforceHttps is not true");
    const tls = asString(endpoint.tlsSecurityPolicy);
    if (!tls || !(OPENSEARCH_TLS12_POLICIES as readonly string[]).includes(tls)) report(`tlsSecurityPolicy is ${tls ?? "unset (TLS 1.0)"}; use a TLS 1.2+ policy (${OPENSEARCH_TLS12_POLICIES.join(", ")})`);
    if (!isRecord(p.nodeToNodeEncryption) || p.nodeToNodeEncryption.enabled !== true) report("nodeToNodeEncryption is not enabled");
    if (!isRecord(p.encryptAtRest) || p.encryptAtRest.enabled !== true) report("encryptAtRest is not enabled");
    const fgac = isRecord(p.advancedSecurityOptions) ? p.advancedSecurityOptions : {};
    if (fgac.enabled !== true) report("fine-grained access control (advancedSecurityOptions.enabled) is off");
    if (fgac.anonymousAuthEnabled === true) report("anonymous access is enabled");
    const master = isRecord(fgac.masterUserOptions) ? fgac.masterUserOptions : {};
    if (typeof master.masterUserPassword === "string" && !isMasked(master.masterUserPassword)) report("the master user's password is a plain value: it would sit in the state in clear; generate it as a secret");
    const policy = asString(p.accessPolicies);
    if (policy === undefined) {
      if (!isMasked(p.accessPolicies)) report("no accessPolicies: name the roles that may query the domain");
      return;
    }
    try {
      const doc = JSON.parse(policy) as { Statement?: Array<{ Effect?: string; Principal?: unknown }> };
      for (const st of doc.Statement ?? []) {
        const principal = st.Principal;
        const aws = isRecord(principal) ? principal.AWS : principal;
        const list = Array.isArray(aws) ? aws : [aws];
        if (st.Effect === "Allow" && (principal === "*" || list.includes("*"))) report("the access policy allows every principal (\"*\")");
      }
    } catch {
      report("accessPolicies is not JSON");
    }
  },
};

/** Types whose resources hold data, or the key without which their data and snapshots cannot be read. */
export const DATA_TYPES = {
  dockerVolume: "docker:index/volume:Volume",
  ebsVolume: "aws:ebs/volume:Volume",
  replicationGroup: K.replicationGroup,
  openSearch: K.openSearch,
  kmsKey: "aws:kms/key:Key",
  instance: "aws:ec2/instance:Instance",
} as const;

/**
 * A Docker volume that only holds files a never-started seed container writes on every `up` (config and
 * secret files, docs/container-baseline.md): nothing in it is lost that the next `up` does not write
 * again, and keeping it would keep secrets on the host after a destroy. Known by the label its seed gives it.
 */
function isSeedFileVolume(props: Record<string, unknown>): boolean {
  return asRecords(props.labels).some((l) => l.label === "rampart.purpose" && typeof l.value === "string" && /^files at \//.test(l.value));
}

export const dataResourcesProtected: ResourceRule = {
  kind: "resource",
  name: "data-resources-protected",
  description:
    "Resources that hold data (Docker and EBS volumes, ElastiCache, OpenSearch, the KMS key that encrypts them) are protected, so neither a destroy nor a replacement deletes the data; EBS data volumes are not deleted with their instance; ElastiCache keeps backups and takes a final snapshot; EBS takes one before deletion.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Declare the resource with the protect resource option (and retainOnDelete for a volume on a disk you manage, so that even an unprotected destroy leaves it behind), driven by one explicit stack setting that throwaway stacks may turn off. Put an instance's data on an aws.ebs.Volume with finalSnapshot and a VolumeAttachment, not an inline ebsBlockDevice deleted on termination. Give an ElastiCache replication group snapshotRetentionLimit >= 1 and a finalSnapshotIdentifier.",
  anchors: {
    checkov: "CKV_AWS_134",
    guide: "docs/data-protection.md; https://www.pulumi.com/docs/iac/concepts/resources/options/protect/; https://www.pulumi.com/docs/iac/concepts/resources/options/retainondelete/",
  },
  profiles: { baseline: "advisory" },
  resourceTypes: Object.values(DATA_TYPES),
  validateResource: (args, report, ctx) => {
    const p = args.props;
    const how = ctx.profile === "rampart" ? " (leave rampart:allowDataDeletion off)" : "";
    const unprotected = (what: string) => report(`${what} is not protected: \`pulumi destroy\` or a replacement would delete it; declare it with protect${how}`);
    switch (args.type) {
      case DATA_TYPES.instance:
        for (const [i, d] of asRecords(p.ebsBlockDevices).entries()) {
          if (d.deleteOnTermination !== false) report(`ebsBlockDevices[${i}] (${asString(d.deviceName) ?? "?"}) is deleted when the instance terminates or is replaced: declare the data volume as an aws.ebs.Volume with a VolumeAttachment, or set deleteOnTermination false`);
        }
        return;
      case DATA_TYPES.dockerVolume:
        if (!isSeedFileVolume(p) && !args.opts.protect) unprotected("this Docker volume");
        return;
      case DATA_TYPES.ebsVolume:
        if (!args.opts.protect) unprotected("this EBS volume");
        if (p.finalSnapshot !== true) report(`finalSnapshot is not true: deleting the volume leaves no snapshot of its data${how}`);
        return;
      case DATA_TYPES.replicationGroup: {
        if (!args.opts.protect) unprotected("this ElastiCache replication group");
        const days = asNumber(p.snapshotRetentionLimit) ?? 0;
        if (days < 1) report(`snapshotRetentionLimit is ${days}: no automated backups are kept`);
        if (!isNonEmptyString(p.finalSnapshotIdentifier) && !isMasked(p.finalSnapshotIdentifier)) report(`no finalSnapshotIdentifier: deleting the group takes its data with it, snapshot-less${how}`);
        return;
      }
      case DATA_TYPES.openSearch:
        if (!args.opts.protect) unprotected("this OpenSearch domain (the service has no deletion protection and no final snapshot)");
        return;
      case DATA_TYPES.kmsKey:
        if (!args.opts.protect) unprotected("this KMS key (once it is deleted, nothing it encrypted, snapshots included, can be read)");
        return;
    }
  },
};

export const datastoreRules: readonly ResourceRule[] = [elasticacheEncryptedAndAuthenticated, elasticacheUserScoped, openSearchPrivateAndEncrypted, dataResourcesProtected];
