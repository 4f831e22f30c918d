/**
 * Every anchor a rule may cite, each looked up in its source before it was listed here (where is named
 * next to it). A rule's anchor value is one or more of these items joined by "; "; the pack's tests
 * refuse an item that is not in this list, so no id can be cited without being checked first.
 */

export const ANCHOR_SEPARATOR = "; ";

const CIS_DOCKER = "CIS Docker Benchmark v1.7.0";

/** CIS Docker Benchmark v1.7.0 section 5 numbering (CIS checklist of section titles; cyberstrike CIS v1.7.0 control files). */
const DOCKER_SECTIONS: Record<string, string> = {
  "4.1": "Ensure that a user for the container has been created",
  "5.2": "Ensure that, if applicable, an AppArmor Profile is enabled",
  "5.3": "Ensure that, if applicable, SELinux security options are set",
  "5.4": "Ensure that Linux kernel capabilities are restricted within containers",
  "5.5": "Ensure that privileged containers are not used",
  "5.6": "Ensure sensitive host system directories are not mounted on containers",
  "5.8": "Ensure privileged ports are not mapped within containers",
  "5.10": "Ensure that the host's network namespace is not shared",
  "5.11": "Ensure that the memory usage for containers is limited",
  "5.12": "Ensure that CPU priority is set appropriately on containers",
  "5.13": "Ensure that the container's root filesystem is mounted as read only",
  "5.14": "Ensure that incoming container traffic is bound to a specific host interface",
  "5.15": "Ensure that the 'on-failure' container restart policy is set to '5'",
  "5.16": "Ensure that the host's process namespace is not shared",
  "5.17": "Ensure that the host's IPC namespace is not shared",
  "5.18": "Ensure that host devices are not directly exposed to containers",
  "5.20": "Ensure mount propagation mode is not set to shared",
  "5.21": "Ensure that the host's UTS namespace is not shared",
  "5.22": "Ensure the default seccomp profile is not Disabled",
  "5.26": "Ensure that the container is restricted from acquiring additional privileges",
  "5.27": "Ensure that container health is checked at runtime",
  "5.29": "Ensure that the PIDs cgroup limit is used",
  "5.30": "Ensure that Docker's default bridge \"docker0\" is not used",
  "5.31": "Ensure that the host's user namespaces are not shared",
  "5.32": "Ensure that the Docker socket is not mounted inside any containers",
};

export const VERIFIED_ANCHORS: Record<"cis" | "kics" | "checkov" | "guide", Record<string, string>> = {
  cis: {
    ...Object.fromEntries(Object.entries(DOCKER_SECTIONS).map(([s, title]) => [`${CIS_DOCKER} ${s}`, title])),
    "CIS AWS Foundations 5.2": "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports",
    "CIS AWS Foundations 5.3": "Ensure no security groups allow ingress from ::/0 to remote server administration ports",
    "CIS AWS Foundations 5.4": "Ensure the default security group of every VPC restricts all traffic",
  },
  kics: {
    "Security Group With Unrestricted Access To SSH (65905cec)": "Checkmarx/kics assets/queries/terraform/aws/security_group_with_unrestricted_access_to_ssh/metadata.json",
    "Sensitive Port Is Exposed To Entire Network (381c3f2a)": "Checkmarx/kics assets/queries/terraform/aws/sensitive_port_is_exposed_to_entire_network/metadata.json",
    "Default Security Groups With Unrestricted Traffic (46883ce1)": "Checkmarx/kics assets/queries/terraform/aws/default_security_groups_with_unrestricted_traffic/metadata.json",
    "EBS Volume Encryption Disabled (cc997676)": "Checkmarx/kics assets/queries/terraform/aws/ebs_volume_encryption_disabled/metadata.json",
    "VPC FlowLogs Disabled (f83121ea)": "Checkmarx/kics assets/queries/terraform/aws/vpc_flowlogs_disabled/metadata.json",
    "Privileged Containers Enabled (ae5b6871)": "Checkmarx/kics assets/queries/dockerCompose/privileged_containers_enabled/metadata.json",
    "Container Capabilities Unrestricted (ce76b7d0)": "Checkmarx/kics assets/queries/dockerCompose/container_capabilities_unrestricted/metadata.json",
    "Container Traffic Not Bound To Host Interface (451d79dc)": "Checkmarx/kics assets/queries/dockerCompose/container_traffic_not_bound_to_host_interface/metadata.json",
    "Cpus Not Limited (6b610c50)": "Checkmarx/kics assets/queries/dockerCompose/cpus_not_limited/metadata.json",
    "Default Seccomp Profile Disabled (404fde2c)": "Checkmarx/kics assets/queries/dockerCompose/default_seccomp_profile_disabled/metadata.json",
    "Docker Socket Mounted In Container (d6355c88)": "Checkmarx/kics assets/queries/dockerCompose/docker_socket_mounted_in_container/metadata.json",
    "Healthcheck Not Set (698ed579)": "Checkmarx/kics assets/queries/dockerCompose/healthcheck_not_set/metadata.json",
    "Host Namespace is Shared (4f31dd9f)": "Checkmarx/kics assets/queries/dockerCompose/host_namespace_is_shared/metadata.json",
    "Memory Not Limited (bb9ac4f7)": "Checkmarx/kics assets/queries/dockerCompose/memory_not_limited/metadata.json",
    "Networks Not Set (ce14a68b)": "Checkmarx/kics assets/queries/dockerCompose/networks_not_set/metadata.json",
    "No New Privileges Not Set (27fcc7d6)": "Checkmarx/kics assets/queries/dockerCompose/no_new_privileges_not_set/metadata.json",
    "Pids Limit Not Set (221e0658)": "Checkmarx/kics assets/queries/dockerCompose/pids_limit_not_set/metadata.json",
    "Privileged Ports Mapped In Container (bc2908f3)": "Checkmarx/kics assets/queries/dockerCompose/privileged_ports_mapped_in_container/metadata.json",
    "Volume Has Sensitive Host Directory (1c1325ff)": "Checkmarx/kics assets/queries/dockerCompose/volume_has_sensitive_host_directory/metadata.json",
    "Shared Host IPC Namespace (baa3890f)": "Checkmarx/kics assets/queries/dockerCompose/shared_host_ipc_namespace/metadata.json",
    "Shared Host User Namespace (8af7162d)": "Checkmarx/kics assets/queries/dockerCompose/shared_host_user_namespace/metadata.json",
  },
  checkov: {
    CKV_AWS_3: "bridgecrewio/checkov EBSEncryption: Ensure all data stored in the EBS is securely encrypted",
    CKV_AWS_8: "bridgecrewio/checkov: Ensure all data stored in the Launch configuration EBS is securely encrypted (aws_launch_configuration, aws_instance)",
    CKV_AWS_23: "bridgecrewio/checkov SecurityGroupRuleDescription: Ensure every security groups rule has a description",
    CKV_AWS_24: "bridgecrewio/checkov SecurityGroupUnrestrictedIngress22",
    CKV_AWS_25: "bridgecrewio/checkov SecurityGroupUnrestrictedIngress3389",
    CKV_AWS_46: "bridgecrewio/checkov EC2Credentials: Ensure no hard-coded secrets exist in EC2 user data",
    CKV_AWS_79: "bridgecrewio/checkov IMDSv1Disabled (aws_instance, aws_launch_template, aws_launch_configuration)",
    CKV_AWS_88: "bridgecrewio/checkov EC2PublicIP: EC2 instance should not have public IP (aws_instance, aws_launch_template)",
    CKV_AWS_126: "bridgecrewio/checkov EC2DetailedMonitoringEnabled",
    CKV_AWS_130: "bridgecrewio/checkov SubnetPublicIP: Ensure VPC subnets do not assign public IP by default",
    CKV_AWS_260: "bridgecrewio/checkov checkov/terraform/checks/resource/aws/SecurityGroupUnrestrictedIngress80.py",
    CKV_AWS_382: "bridgecrewio/checkov checkov/terraform/checks/resource/aws/SecurityGroupUnrestrictedEgressAny.py (egress to port -1)",
    CKV2_AWS_11: "bridgecrewio/checkov checkov/terraform/checks/graph_checks/aws/VPCHasFlowLog.yaml",
    CKV2_AWS_12: "bridgecrewio/checkov checkov/terraform/checks/graph_checks/aws/VPCHasRestrictedSG.yaml",
    CKV_DOCKER_2: "bridgecrewio/checkov HealthcheckExists: HEALTHCHECK instructions added to container images",
    CKV_DOCKER_7: "bridgecrewio/checkov ReferenceLatestTag: the base image uses a non latest version tag",
  },
  guide: {
    "https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/": "Cloudflare docs: Authenticated Origin Pulls (mTLS)",
    "https://developers.cloudflare.com/ssl/edge-certificates/additional-options/minimum-tls/": "Cloudflare docs: Minimum TLS Version",
    "https://developers.cloudflare.com/rules/configuration-rules/settings/": "Cloudflare docs: Configuration Rules settings (automatic_https_rewrites, ssl, ...)",
    "https://developers.cloudflare.com/rules/page-rules/reference/settings/": "Cloudflare docs: Page Rules settings",
    "https://developers.cloudflare.com/waf/custom-rules/skip/options/": "Cloudflare docs: Available skip options (ruleset, phases, products)",
    "https://developers.cloudflare.com/waf/rate-limiting-rules/": "linked from Cloudflare's skip options page",
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-options.html": "AWS EC2 User Guide: Configure the Instance Metadata Service options",
    "https://github.com/coturn/coturn/blob/master/README.turnserver": "coturn/coturn README.turnserver",
    "https://github.com/coturn/coturn/blob/master/ChangeLog": "coturn/coturn ChangeLog",
    "https://nginx.org/en/docs/http/ngx_http_realip_module.html": "nginx docs: Module ngx_http_realip_module",
    "https://www.redis.io/topics/acl": "Redis docs: ACL",
  },
};

/** Builds a CIS Docker anchor value from section numbers. */
export function cisDocker(...sections: string[]): string {
  return sections.map((s) => `${CIS_DOCKER} ${s}`).join(ANCHOR_SEPARATOR);
}

/** Guide items that are pages of this repository's docs/ (checked to exist by the tests). */
export function isRepoDoc(item: string): boolean {
  return /^docs\/[a-z0-9-]+\.md(#[a-z0-9-]+)?$/.test(item);
}
