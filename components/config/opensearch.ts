import { stringify } from "yaml";
import { z } from "zod";
import { port } from "@rampart/catalogue";
import type { ElasticsearchYmlInput } from "./elasticsearch";
import { absolutePath, bareToken, hostOrIp, ipAddress, parseInput } from "./validate";

/**
 * OpenSearch 2.19 configuration (docs/services.md#opensearch): the same guarantees as the Elasticsearch
 * renderer, in the security plugin's settings (`plugins.security.*`): security on, TLS on HTTP and
 * transport, bound to internal addresses only, no demo certificates, users only from the rendered
 * internal user database. Passwords are not here: the internal user database holds a bcrypt hash, and it
 * reaches the node as a secret file.
 */

/** The same inputs as Elasticsearch's, plus the distinguished names of the node certificates. */
export interface OpenSearchYmlInput extends ElasticsearchYmlInput {
  /** Subject DNs of the nodes' transport certificates (`plugins.security.nodes_dn`), e.g. `CN=rampart-search`. */
  nodesDn: readonly string[];
}

export const OPENSEARCH_DEFAULTS = {
  home: "/usr/share/opensearch",
  dataPath: "/usr/share/opensearch/data",
  logsPath: "/usr/share/opensearch/logs",
  /** The security plugin reads its configuration files from here on first start. */
  securityDir: "/usr/share/opensearch/config/opensearch-security",
} as const;

/** A distinguished name as the plugin compares them: `CN=…` and further RDNs, nothing that breaks YAML or lines. */
const distinguishedName = z
  .string()
  .regex(/^[A-Za-z]+=[^,=\n\r]+(,[A-Za-z]+=[^,=\n\r]+)*$/, "must be a distinguished name such as CN=rampart-search,O=Rampart");

const pem = z.object({ certificatePath: absolutePath, keyPath: absolutePath, certificateAuthoritiesPath: absolutePath }).strict();

const schema = z
  .object({
    clusterName: bareToken,
    nodeName: bareToken,
    networkHosts: z
      .array(ipAddress.refine((a) => a !== "0.0.0.0" && a !== "::", "must not be a wildcard address (the search node is VPC-only)"))
      .min(1, "must name at least one internal address"),
    discovery: z
      .object({ seedHosts: z.array(hostOrIp).min(1), initialMasterNodes: z.array(bareToken).min(1) })
      .strict()
      .optional(),
    dataPath: absolutePath.default(OPENSEARCH_DEFAULTS.dataPath),
    logsPath: absolutePath.default(OPENSEARCH_DEFAULTS.logsPath),
    httpTls: pem,
    transportTls: pem,
    nodesDn: z.array(distinguishedName).min(1, "must name the DN of at least one node certificate (plugins.security.nodes_dn)"),
  })
  .strict();

const TLS_PROTOCOLS = ["TLSv1.3", "TLSv1.2"];

export function renderOpenSearchYml(input: OpenSearchYmlInput): string {
  const i = parseInput("renderOpenSearchYml", schema, input);
  const config: Record<string, unknown> = {
    "cluster.name": i.clusterName,
    "node.name": i.nodeName,
    "network.host": [...i.networkHosts],
    "http.port": port("elasticsearch-http").from,
    "transport.port": port("elasticsearch-transport").from,
    ...(i.discovery
      ? {
          "discovery.seed_hosts": [...i.discovery.seedHosts],
          "cluster.initial_master_nodes": [...i.discovery.initialMasterNodes],
        }
      : { "discovery.type": "single-node" }),
    "path.data": i.dataPath,
    "path.logs": i.logsPath,
    "bootstrap.memory_lock": true,
    // Security is on unless this says otherwise; written out so a reader (and the policy pack) sees it.
    "plugins.security.disabled": false,
    "plugins.security.ssl.http.enabled": true,
    "plugins.security.ssl.http.pemcert_filepath": i.httpTls.certificatePath,
    "plugins.security.ssl.http.pemkey_filepath": i.httpTls.keyPath,
    "plugins.security.ssl.http.pemtrustedcas_filepath": i.httpTls.certificateAuthoritiesPath,
    "plugins.security.ssl.http.enabled_protocols": [...TLS_PROTOCOLS],
    "plugins.security.ssl.transport.pemcert_filepath": i.transportTls.certificatePath,
    "plugins.security.ssl.transport.pemkey_filepath": i.transportTls.keyPath,
    "plugins.security.ssl.transport.pemtrustedcas_filepath": i.transportTls.certificateAuthoritiesPath,
    "plugins.security.ssl.transport.enabled_protocols": [...TLS_PROTOCOLS],
    // As Elasticsearch's verification_mode certificate: peers must present a certificate of our CA, whose
    // DN must also be in nodes_dn; hostname checks would tie certificates to container addresses.
    "plugins.security.ssl.transport.enforce_hostname_verification": false,
    "plugins.security.nodes_dn": [...i.nodesDn],
    // Nobody administers the security index with a client certificate: the users come from the files.
    "plugins.security.authcz.admin_dn": [],
    // On first start the security index is created from the rendered files (never the demo configuration).
    "plugins.security.allow_default_init_securityindex": true,
    "plugins.security.allow_unsafe_democertificates": false,
    "plugins.security.audit.type": "log4j",
    "plugins.security.restapi.roles_enabled": ["all_access"],
    "plugins.security.system_indices.enabled": true,
    // Wildcard or _all deletes need the index name spelled out.
    "action.destructive_requires_name": true,
  };
  return "# Rendered by components/config/opensearch.ts.\n" + stringify(config);
}

/** bcrypt as the security plugin writes it ($2a$/$2b$/$2y$, cost 10-14): nothing else is a password hash to it. */
const BCRYPT_HASH = /^\$2[aby]\$1[0-4]\$[./A-Za-z0-9]{53}$/;

const usersSchema = z
  .object({
    /** The service's own user: full access, as Elasticsearch's `elastic`. */
    adminUser: bareToken.refine((u) => !u.includes(":"), "must not contain ':'"),
    passwordHash: z.string().regex(BCRYPT_HASH, "must be a bcrypt hash ($2y$12$…), never a password"),
  })
  .strict();

export interface OpenSearchUsersInput {
  adminUser: string;
  /** bcrypt hash of the user's password (cost 10-14). */
  passwordHash: string;
}

const meta = (type: string) => ({ _meta: { type, config_version: 2 } });
const header = "# Rendered by components/config/opensearch.ts.\n";

/** internal_users.yml: exactly one user, the service's own, mapped to all_access through its backend role. */
export function renderOpenSearchInternalUsers(input: OpenSearchUsersInput): string {
  const i = parseInput("renderOpenSearchInternalUsers", usersSchema, input);
  return header + stringify({ ...meta("internalusers"), [i.adminUser]: { hash: i.passwordHash, reserved: true, backend_roles: ["rampart_admin"], description: "Rampart's search user" } });
}

/**
 * The rest of the security plugin's configuration: HTTP basic authentication against the internal user
 * database only, no anonymous access, the admin backend role mapped to all_access, and empty tables for
 * what Rampart does not use. Every file the plugin loads on first start is here.
 */
export function renderOpenSearchSecurityConfig(): Record<string, string> {
  return {
    "config.yml":
      header +
      stringify({
        ...meta("config"),
        config: {
          dynamic: {
            http: { anonymous_auth_enabled: false, xff: { enabled: false } },
            authc: {
              basic_internal_auth_domain: {
                description: "HTTP basic authentication against the internal user database",
                http_enabled: true,
                transport_enabled: true,
                order: 0,
                http_authenticator: { type: "basic", challenge: true },
                authentication_backend: { type: "intern" },
              },
            },
            authz: {},
          },
        },
      }),
    "roles_mapping.yml": header + stringify({ ...meta("rolesmapping"), all_access: { reserved: true, backend_roles: ["rampart_admin"], description: "Rampart's search user" } }),
    "roles.yml": header + stringify(meta("roles")),
    "action_groups.yml": header + stringify(meta("actiongroups")),
    "tenants.yml": header + stringify(meta("tenants")),
    "nodes_dn.yml": header + stringify(meta("nodesdn")),
    "allowlist.yml": header + stringify({ ...meta("allowlist"), config: { enabled: false } }),
  };
}
