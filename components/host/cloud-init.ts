import { stringify } from "yaml";
import { HOST_INPUT_CHAIN, renderDockerUserRules, renderHostInputRules, type FirewallInput } from "./firewall";
import { renderSysctlConf } from "./sysctls";

/** Docker's release signing key (https://docs.docker.com/engine/install/debian/): checked before use. */
export const DOCKER_APT_KEY_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";

export const DEPLOY_USER = "rampart-deploy";

export interface HostFile {
  readonly path: string;
  readonly content: string;
  readonly permissions?: string;
}

export interface CloudInitInput {
  /** Exact docker-ce package version, e.g. "5:28.5.2-1~debian.12~bookworm"; held after install. */
  readonly dockerVersion: string;
  /** Public key of the deployer: the Docker provider logs in as DEPLOY_USER over SSH tunnelled through SSM. */
  readonly deployerPublicKey: string;
  readonly firewall: FirewallInput;
  /** Extra files, e.g. the gateway's fail2ban filter and jail. */
  readonly files?: readonly HostFile[];
  /** Extra systemd units (written through `files`) to enable and start once Docker is up. */
  readonly units?: readonly string[];
  /** The host's EBS data volume (`vol-…`): mounted at DOCKER_VOLUMES_DIR before Docker is installed. */
  readonly dataVolumeId: string;
}

/** Where Docker keeps named volumes: the data volume is mounted here, so every service's data is on it. */
export const DOCKER_VOLUMES_DIR = "/var/lib/docker/volumes";

/**
 * Shell lines that wait (bounded: 60 tries, 5 s apart) for the EBS data volume, give it a filesystem
 * only when it has none (a volume kept from an earlier host is mounted as it is, never formatted), and
 * mount it at Docker's volume directory by UUID. Nitro instances name an EBS disk by its volume id
 * (`nvme-Amazon_Elastic_Block_Store_vol…`), which the attachment's device name does not give.
 */
export function renderDataVolumeMount(volumeId: string): string[] {
  if (!/^vol-[0-9a-f]{8,17}$/.test(volumeId)) throw new Error(`dataVolumeId "${volumeId}" is not an EBS volume id (vol- and 8 or 17 hex digits)`);
  const dev = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
  return [
    `for attempt in $(seq 1 60); do [ -e ${dev} ] && break; sleep 5; done`,
    `[ -e ${dev} ] || { echo "EBS data volume ${volumeId} is not attached after 5 minutes" >&2; exit 1; }`,
    `blkid ${dev} >/dev/null || mkfs.ext4 -q -L rampart-data ${dev}`,
    `install -m 0710 -d ${DOCKER_VOLUMES_DIR}`,
    `echo "UUID=$(blkid -s UUID -o value ${dev}) ${DOCKER_VOLUMES_DIR} ext4 defaults,nofail,nodev,nosuid 0 2" >> /etc/fstab`,
    `mount ${DOCKER_VOLUMES_DIR}`,
  ];
}

/**
 * Hardened daemon.json: no inter-container traffic on the default bridge unless a user network says so,
 * no-new-privileges for every container, no userland proxy (published ports go through iptables only,
 * where DOCKER-USER sees them), containers survive daemon restarts, and bounded logs.
 */
export const DAEMON_JSON = {
  icc: false,
  "no-new-privileges": true,
  "userland-proxy": false,
  "live-restore": true,
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "5" },
  iptables: true,
  ip6tables: true,
} as const;

/** Renders the host's cloud-config. Pure: the same input gives the same text. */
export function renderCloudInit(input: CloudInitInput): string {
  if (!/^[0-9]+:[0-9A-Za-z.~+-]+$/.test(input.dockerVersion)) {
    throw new Error(`dockerVersion "${input.dockerVersion}" is not an exact docker-ce package version (e.g. 5:28.5.2-1~debian.12~bookworm)`);
  }
  const v = input.dockerVersion;
  const files: HostFile[] = [
    { path: "/etc/docker/daemon.json", content: JSON.stringify(DAEMON_JSON, null, 2) + "\n", permissions: "0644" },
    { path: "/etc/sysctl.d/60-rampart.conf", content: renderSysctlConf(), permissions: "0644" },
    { path: "/etc/modules-load.d/rampart.conf", content: "br_netfilter\n", permissions: "0644" },
    { path: "/etc/rampart/docker-user.rules.v4", content: renderDockerUserRules(input.firewall, "ipv4"), permissions: "0600" },
    { path: "/etc/rampart/docker-user.rules.v6", content: renderDockerUserRules(input.firewall, "ipv6"), permissions: "0600" },
    { path: "/etc/rampart/host-input.rules.v4", content: renderHostInputRules(input.firewall, "ipv4"), permissions: "0600" },
    { path: "/etc/rampart/host-input.rules.v6", content: renderHostInputRules(input.firewall, "ipv6"), permissions: "0600" },
    {
      path: "/etc/systemd/system/rampart-docker-user.service",
      permissions: "0644",
      content: [
        "[Unit]",
        "Description=Rampart DOCKER-USER and host INPUT firewall (only catalogued ports reach containers and host-network services)",
        "After=docker.service",
        "Requires=docker.service",
        "PartOf=docker.service",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/usr/sbin/iptables-restore --noflush /etc/rampart/docker-user.rules.v4",
        "ExecStart=/usr/sbin/ip6tables-restore --noflush /etc/rampart/docker-user.rules.v6",
        // Host-network services (LiveKit, coturn) listen on the host itself: its INPUT filters them.
        "ExecStart=/usr/sbin/iptables-restore --noflush /etc/rampart/host-input.rules.v4",
        "ExecStart=/usr/sbin/ip6tables-restore --noflush /etc/rampart/host-input.rules.v6",
        `ExecStart=/bin/sh -c 'iptables -C INPUT -j ${HOST_INPUT_CHAIN} 2>/dev/null || iptables -I INPUT 1 -j ${HOST_INPUT_CHAIN}'`,
        `ExecStart=/bin/sh -c 'ip6tables -C INPUT -j ${HOST_INPUT_CHAIN} 2>/dev/null || ip6tables -I INPUT 1 -j ${HOST_INPUT_CHAIN}'`,
        "",
        "[Install]",
        "WantedBy=docker.service",
        "",
      ].join("\n"),
    },
    {
      path: "/etc/ssh/sshd_config.d/50-rampart.conf",
      permissions: "0644",
      content: [
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        `AllowUsers ${DEPLOY_USER}`,
        "X11Forwarding no",
        "AllowAgentForwarding no",
        "",
      ].join("\n"),
    },
    {
      path: "/etc/apt/apt.conf.d/20auto-upgrades",
      permissions: "0644",
      content: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
    },
    {
      path: "/etc/fail2ban/jail.d/sshd.local",
      permissions: "0644",
      content: "[sshd]\nenabled = true\nbackend = systemd\nmaxretry = 5\nbantime = 1h\n",
    },
    ...(input.files ?? []),
  ];

  const config = {
    package_update: true,
    package_upgrade: true,
    packages: ["ca-certificates", "curl", "gnupg", "iptables", "unattended-upgrades", "apt-listchanges", "fail2ban"],
    // Created before the users module so the deploy user can join it; docker-ce adopts the existing group.
    groups: ["docker"],
    users: [
      "default",
      {
        name: DEPLOY_USER,
        groups: ["docker"],
        shell: "/bin/bash",
        lock_passwd: true,
        ssh_authorized_keys: [input.deployerPublicKey],
      },
    ],
    ssh_pwauth: false,
    disable_root: true,
    write_files: files.map((f) => ({ path: f.path, content: f.content, permissions: f.permissions ?? "0644", owner: "root:root" })),
    runcmd: [
      "set -eu",
      // Before Docker exists: its volumes land on the data volume from the first one on.
      ...renderDataVolumeMount(input.dataVolumeId),
      "modprobe br_netfilter",
      "sysctl --system",
      "install -m 0755 -d /etc/apt/keyrings",
      "curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc",
      // Refuse to trust a key that is not Docker's release key.
      `gpg --show-keys --with-colons /etc/apt/keyrings/docker.asc | grep -q '^fpr:::::::::${DOCKER_APT_KEY_FINGERPRINT}:'`,
      'echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable" > /etc/apt/sources.list.d/docker.list',
      "apt-get update",
      `DEBIAN_FRONTEND=noninteractive apt-get install -y docker-ce=${v} docker-ce-cli=${v} containerd.io`,
      "apt-mark hold docker-ce docker-ce-cli containerd.io",
      "systemctl daemon-reload",
      "systemctl enable --now docker rampart-docker-user.service",
      "systemctl restart ssh",
      "systemctl enable --now fail2ban unattended-upgrades",
      ...(input.units ?? []).map((u) => {
        if (!/^[a-z0-9@._-]+\.(service|timer|path)$/.test(u)) throw new Error(`units: "${u}" is not a systemd unit name`);
        return `systemctl enable --now ${u}`;
      }),
    ],
  };
  return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
