/**
 * Docker port bindings derived from the port catalogue (docs/exposure-classes.md).
 *
 * Docker inserts its own iptables rules ahead of ufw, so a port published on 0.0.0.0 is reachable from
 * wherever the security group lets traffic in, whatever the host firewall says. Admin and vpc ports are
 * therefore bound to loopback or a private address only; public and cloudflare ports may use any address
 * (the security group and DOCKER-USER chain are their walls).
 */
import * as pulumi from "@pulumi/pulumi";
import ipaddr from "ipaddr.js";
import { port as catalogued, type PortEntry, type ServiceName } from "@rampart/catalogue";

export interface PortBinding {
  /** Catalogue id of the port (@rampart/catalogue). */
  readonly portId: string;
  /**
   * Host address to bind. Required: nothing is published on an implicit address (CIS 5.14). A plain
   * string is checked at construction; an Output (a host's private IP) when it resolves.
   */
  readonly hostIp: pulumi.Input<string>;
  /**
   * Port the process listens on inside the container, when it differs from the catalogue port (the
   * catalogue is the host-facing side). Only for single ports.
   */
  readonly containerPort?: number;
}

export interface DockerPort {
  readonly internal: number;
  readonly external: number;
  readonly ip: pulumi.Input<string>;
  readonly protocol: string;
}

const RESTRICTED_CLASSES = new Set(["admin", "vpc"]);

/** Throws unless `ip` is a valid address allowed for the port's exposure class. */
export function assertBindAddress(entry: PortEntry, ip: string, service: string): void {
  if (!ipaddr.isValid(ip)) {
    throw new Error(`${service}: port "${entry.id}" has an invalid host address "${ip}"`);
  }
  if (!RESTRICTED_CLASSES.has(entry.class)) return;
  const range = ipaddr.process(ip).range();
  if (range === "unspecified") {
    throw new Error(
      `${service}: port "${entry.id}" (${entry.class} class) must not bind ${ip}: Docker publishes around ` +
        `the host firewall; bind 127.0.0.1 or the host's private address`,
    );
  }
  const allowed = ["loopback", "private", "uniqueLocal"];
  if (!allowed.includes(range)) {
    throw new Error(
      `${service}: port "${entry.id}" (${entry.class} class) must bind a loopback or private address, ` +
        `not ${ip} (${range})`,
    );
  }
}

/** A plain address is checked now, so a bad one fails construction; an Output when it resolves. */
export function checkedBindAddress(entry: PortEntry, ip: pulumi.Input<string>, service: string): pulumi.Input<string> {
  if (typeof ip === "string") {
    assertBindAddress(entry, ip, service);
    return ip;
  }
  return pulumi.output(ip).apply((resolved) => {
    assertBindAddress(entry, resolved, service);
    return resolved;
  });
}

/** Checks ownership and expands a catalogue entry (which may be a range) into Docker port mappings. */
export function dockerPorts(binding: PortBinding, service: ServiceName): DockerPort[] {
  const entry = catalogued(binding.portId);
  if (entry.service !== service) {
    throw new Error(`${service}: port "${entry.id}" belongs to ${entry.service}, not ${service}`);
  }
  const ip = checkedBindAddress(entry, binding.hostIp, service);
  if (binding.containerPort !== undefined && entry.from !== entry.to) {
    throw new Error(`${service}: port "${entry.id}" is a range; it cannot be remapped to one container port`);
  }
  const ports: DockerPort[] = [];
  for (let p = entry.from; p <= entry.to; p++) {
    ports.push({ internal: binding.containerPort ?? p, external: p, ip, protocol: entry.protocol });
  }
  return ports;
}

/** Ports the process itself binds (inside its namespace): what the NET_BIND_SERVICE exception is about. */
export function listenedPorts(bindings: readonly PortBinding[], hostNetworkPortIds: readonly string[]): number[] {
  const published = bindings.map((b) => b.containerPort ?? catalogued(b.portId).from);
  const onHost = hostNetworkPortIds.map((id) => catalogued(id).from);
  return [...published, ...onHost];
}
