import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { portsFor } from "@rampart/catalogue";
import { DAEMON_JSON, DOCKER_VOLUMES_DIR, DockerHost, renderCloudInit, renderDataVolumeMount, renderReadinessCheck, type FirewallInput } from "../../components/host";
import { declare, ofType, type PlanResource } from "../support/pulumi";

const firewall: FirewallInput = {
  ports: portsFor("aws"),
  vpcCidr: "10.40.0.0/16",
  adminCidrs: ["198.51.100.0/24"],
  cloudflareIpv4: ["173.245.48.0/20"],
  cloudflareIpv6: ["2400:cb00::/32"],
};
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm0Q8l6P3a3nE2qGwN4aX6x8c2fUuQzvF1yWq9mS7hT deployer";
const VERSION = "5:28.5.2-1~debian.12~bookworm";

describe("DockerHost", () => {
  let res: PlanResource[];
  let instance: PlanResource;
  beforeAll(async () => {
    res = await declare(
      () =>
        new DockerHost("h", {
          subnetId: "subnet-1",
          availabilityZone: "eu-west-1a",
          securityGroupIds: ["sg-public", "sg-admin"],
          dockerVersion: VERSION,
          deployerPublicKey: KEY,
          firewall,
          region: "eu-west-1",
        }),
    );
    instance = ofType(res, "aws:ec2/instance:Instance")[0]!;
  });

  it("requires IMDSv2 with a hop limit of 1, so containers and TURN relays cannot fetch instance credentials", () => {
    expect(instance.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" });
  });

  it("encrypts its gp3 root volume", () => {
    expect(instance.inputs.rootBlockDevice).toMatchObject({ volumeType: "gp3", encrypted: true });
  });

  it("keeps the services' data on a protected, retained EBS volume that outlives the instance, with a final snapshot", () => {
    const [data] = ofType(res, "aws:ebs/volume:Volume");
    expect(data?.inputs).toMatchObject({ availabilityZone: "eu-west-1a", type: "gp3", encrypted: true, finalSnapshot: true, size: 100 });
    expect(data).toMatchObject({ protect: true, retainOnDelete: true });
    // The instance's own disks hold nothing worth keeping: no inline data volume dies with it.
    expect(instance.inputs.ebsBlockDevices ?? []).toEqual([]);
    expect(instance.protect).toBeUndefined();
    const [attachment] = ofType(res, "aws:ec2/volumeAttachment:VolumeAttachment");
    expect(attachment?.inputs).toMatchObject({ instanceId: "h-instance-id", volumeId: expect.stringMatching(/^vol-[0-9a-f]{17}$/), stopInstanceBeforeDetaching: true });
    // cloud-init names the very volume it mounts.
    expect(String(instance.inputs.userData)).toContain(`nvme-Amazon_Elastic_Block_Store_${String(attachment?.inputs.volumeId).replace("-", "")}`);
  });

  it("lets only an explicit allowDataDeletion give the data volume up, with no final snapshot", async () => {
    const throwaway = await declare(
      () => new DockerHost("t", { subnetId: "subnet-1", availabilityZone: "eu-west-1a", securityGroupIds: ["sg"], dockerVersion: VERSION, deployerPublicKey: KEY, firewall, region: "eu-west-1", allowDataDeletion: true }),
    );
    const [data] = ofType(throwaway, "aws:ebs/volume:Volume");
    expect(data?.inputs.finalSnapshot).toBe(false);
    expect(data?.protect).toBeUndefined();
    expect(data?.retainOnDelete).toBeUndefined();
  });

  it("has no key pair and is reached through SSM (instance profile with AmazonSSMManagedInstanceCore)", () => {
    expect(instance.inputs.keyName).toBeUndefined();
    expect(instance.inputs.iamInstanceProfile).toBeDefined();
    const [attach] = ofType(res, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(attach?.inputs.policyArn).toBe("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
  });

  it("has detailed monitoring, an Elastic IP, and is replaced when its cloud-init changes", () => {
    expect(instance.inputs.monitoring).toBe(true);
    expect(instance.inputs.userDataReplaceOnChange).toBe(true);
    expect(ofType(res, "aws:ec2/eip:Eip")[0]?.inputs).toMatchObject({ domain: "vpc", instance: "h-instance-id" });
  });

  it("uses Debian 12 from Debian's own AMI account", () => {
    expect(instance.inputs.ami).toBe("ami-0d1e3f5c0debian12");
  });

  it("waits, over the provider's own SSM path, for cloud-init and Docker before any container is planned", () => {
    const [ready] = ofType(res, "command:local:Command");
    const script = String(ready?.inputs.create);
    expect(script).toContain("aws ec2 wait instance-status-ok --region eu-west-1 --instance-ids h-instance-id");
    expect(script).toContain("rampart-deploy@h-instance-id 'cloud-init status --wait >/dev/null && docker info");
    expect(script).toContain("for attempt in $(seq 1 30); do");
    expect(ready?.inputs.triggers).toEqual(["h-instance-id"]);
  });

  it("renders a readiness check that /bin/sh parses", () => {
    expect(() => execFileSync("sh", ["-n", "-c", renderReadinessCheck("eu-west-1", "i-0123456789abcdef0")])).not.toThrow();
  });

  it("refuses a malformed region in the readiness check", () => {
    expect(() => renderReadinessCheck("eu-west-1; rm -rf /", "i-0123456789abcdef0")).toThrow(/is not an AWS region/);
  });

  it("gives the Docker provider an SSH transport tunnelled through SSM", () => {
    const [provider] = ofType(res, "pulumi:providers:docker");
    expect(provider?.inputs.host).toBe("ssh://rampart-deploy@h-instance-id");
    const opts = JSON.parse(String(provider?.inputs.sshOpts)) as string[];
    expect(opts).toContain("ProxyCommand=aws ssm start-session --region eu-west-1 --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p");
  });
});

describe("cloud-init", () => {
  const VOLUME = "vol-0123456789abcdef0";
  const text = renderCloudInit({ dockerVersion: VERSION, deployerPublicKey: KEY, firewall, files: [{ path: "/etc/fail2ban/filter.d/x.conf", content: "[Definition]\n" }], dataVolumeId: VOLUME });
  const doc = parse(text) as {
    write_files: Array<{ path: string; content: string; permissions: string }>;
    runcmd: string[];
    users: Array<string | { name: string; ssh_authorized_keys: string[]; groups: string[] }>;
    packages: string[];
    ssh_pwauth: boolean;
  };
  const file = (p: string) => doc.write_files.find((f) => f.path === p)?.content;

  it("is a cloud-config document", () => {
    expect(text.startsWith("#cloud-config\n")).toBe(true);
  });

  it("installs exactly the pinned docker-ce and holds it", () => {
    expect(doc.runcmd).toContain(`DEBIAN_FRONTEND=noninteractive apt-get install -y docker-ce=${VERSION} docker-ce-cli=${VERSION} containerd.io`);
    expect(doc.runcmd).toContain("apt-mark hold docker-ce docker-ce-cli containerd.io");
  });

  it("checks Docker's signing key fingerprint before trusting the repository", () => {
    const keyCheck = doc.runcmd.findIndex((c) => c.includes("9DC858229FC7DD38854AE2D88D81803C0EBFCD88"));
    const repo = doc.runcmd.findIndex((c) => c.includes("download.docker.com/linux/debian bookworm stable"));
    expect(keyCheck).toBeGreaterThan(-1);
    expect(keyCheck).toBeLessThan(repo);
  });

  it("writes a hardened daemon.json", () => {
    const daemon = JSON.parse(file("/etc/docker/daemon.json")!);
    expect(daemon).toEqual(DAEMON_JSON);
    expect(daemon).toMatchObject({ icc: false, "no-new-privileges": true, "userland-proxy": false, "live-restore": true });
    expect(daemon["log-opts"]).toEqual({ "max-size": "10m", "max-file": "5" });
  });

  it("sets the kernel settings the services need", () => {
    const sysctl = file("/etc/sysctl.d/60-rampart.conf")!;
    expect(sysctl).toContain("vm.max_map_count = 262144");
    expect(sysctl).toMatch(/net\.core\.rmem_max = \d+/);
    expect(sysctl).toContain("net.bridge.bridge-nf-call-iptables = 1");
  });

  it("enables unattended security upgrades and fail2ban, and ships extra files", () => {
    expect(doc.packages).toEqual(expect.arrayContaining(["unattended-upgrades", "fail2ban"]));
    expect(file("/etc/apt/apt.conf.d/20auto-upgrades")).toContain('APT::Periodic::Unattended-Upgrade "1";');
    expect(doc.runcmd).toContain("systemctl enable --now fail2ban unattended-upgrades");
    expect(file("/etc/fail2ban/filter.d/x.conf")).toBe("[Definition]\n");
  });

  it("installs only the deployer's key, with password logins off", () => {
    const deploy = doc.users.find((u) => typeof u === "object" && u.name === "rampart-deploy") as { ssh_authorized_keys: string[]; groups: string[] };
    expect(deploy.ssh_authorized_keys).toEqual([KEY]);
    expect(doc.ssh_pwauth).toBe(false);
    expect(file("/etc/ssh/sshd_config.d/50-rampart.conf")).toContain("PasswordAuthentication no");
  });

  it("loads the DOCKER-USER firewall with docker, for IPv4 and IPv6", () => {
    const unit = file("/etc/systemd/system/rampart-docker-user.service")!;
    expect(unit).toContain("PartOf=docker.service");
    expect(unit).toContain("ExecStart=/usr/sbin/iptables-restore --noflush /etc/rampart/docker-user.rules.v4");
    expect(unit).toContain("ExecStart=/usr/sbin/ip6tables-restore --noflush /etc/rampart/docker-user.rules.v6");
    expect(file("/etc/rampart/docker-user.rules.v6")).toContain("-s 2400:cb00::/32 -p tcp -m conntrack --ctorigdstport 443");
    expect(file("/etc/rampart/docker-user.rules.v4")!.trimEnd().split("\n").slice(-2)).toEqual([
      '-A DOCKER-USER -m comment --comment "not in the port catalogue for this source" -j DROP',
      "COMMIT",
    ]);
  });

  it("refuses a Docker version that is not an exact package version", () => {
    expect(() => renderCloudInit({ dockerVersion: "latest", deployerPublicKey: KEY, firewall, dataVolumeId: VOLUME })).toThrow(/not an exact docker-ce package version/);
  });

  it("mounts the EBS data volume at Docker's volume directory before Docker is installed, formatting it only when it has no filesystem", () => {
    const dev = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0";
    const mount = doc.runcmd.indexOf(`mount ${DOCKER_VOLUMES_DIR}`);
    const install = doc.runcmd.findIndex((c) => c.startsWith("DEBIAN_FRONTEND=noninteractive apt-get install -y docker-ce="));
    expect(mount).toBeGreaterThan(-1);
    expect(mount).toBeLessThan(install);
    expect(doc.runcmd).toContain(`blkid ${dev} >/dev/null || mkfs.ext4 -q -L rampart-data ${dev}`);
    expect(doc.runcmd.join("\n")).toContain(`${DOCKER_VOLUMES_DIR} ext4 defaults,nofail,nodev,nosuid 0 2`);
    expect(() => execFileSync("sh", ["-n", "-c", renderDataVolumeMount(VOLUME).join("\n")])).not.toThrow();
  });

  it("refuses a data volume id that is not an EBS volume id (it lands in a shell line)", () => {
    expect(() => renderDataVolumeMount("vol-1; rm -rf /")).toThrow(/is not an EBS volume id/);
  });
});
