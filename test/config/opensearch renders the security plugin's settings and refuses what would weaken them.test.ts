import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compareSync } from "bcryptjs";
import { port } from "@rampart/catalogue";
import { renderElasticsearchYml } from "../../components/config/elasticsearch";
import { renderOpenSearchInternalUsers, renderOpenSearchSecurityConfig, renderOpenSearchYml } from "../../components/config/opensearch";
import { internalUserHash } from "../../components/containers/services/opensearch";
import * as f from "./fixtures";

describe("renderOpenSearchYml", () => {
  const os = parse(renderOpenSearchYml(f.opensearchInput));

  it("turns the security plugin and TLS on for HTTP and transport, on internal addresses and the catalogue's ports", () => {
    expect(os).toMatchObject({
      "plugins.security.disabled": false,
      "plugins.security.ssl.http.enabled": true,
      "plugins.security.ssl.http.enabled_protocols": ["TLSv1.3", "TLSv1.2"],
      "plugins.security.ssl.transport.enabled_protocols": ["TLSv1.3", "TLSv1.2"],
      "plugins.security.allow_unsafe_democertificates": false,
      "plugins.security.nodes_dn": ["CN=rampart-opensearch"],
      "network.host": ["10.0.1.41"],
      "discovery.type": "single-node",
      "http.port": port("elasticsearch-http").from,
      "transport.port": port("elasticsearch-transport").from,
      "action.destructive_requires_name": true,
    });
  });

  it("states every guarantee the Elasticsearch renderer states, in the plugin's own settings", () => {
    const es = parse(renderElasticsearchYml(f.elasticsearchInput));
    const equivalents: Record<string, [string, unknown]> = {
      "xpack.security.enabled": ["plugins.security.disabled", false],
      "xpack.security.http.ssl.enabled": ["plugins.security.ssl.http.enabled", true],
      "xpack.security.http.ssl.supported_protocols": ["plugins.security.ssl.http.enabled_protocols", es["xpack.security.http.ssl.supported_protocols"]],
      "xpack.security.transport.ssl.supported_protocols": ["plugins.security.ssl.transport.enabled_protocols", es["xpack.security.transport.ssl.supported_protocols"]],
      "action.destructive_requires_name": ["action.destructive_requires_name", true],
      "discovery.type": ["discovery.type", "single-node"],
    };
    for (const [esKey, [osKey, value]] of Object.entries(equivalents)) {
      expect(es[esKey], esKey).toBeDefined();
      expect(os[osKey], `${osKey} (for ${esKey})`).toEqual(value);
    }
  });

  it("refuses a wildcard address, a missing node DN and a DN that could break the file", () => {
    expect(() => renderOpenSearchYml({ ...f.opensearchInput, networkHosts: ["0.0.0.0"] })).toThrow(/renderOpenSearchYml: invalid input:[\s\S]*networkHosts\.0: must not be a wildcard address/);
    expect(() => renderOpenSearchYml({ ...f.opensearchInput, nodesDn: [] })).toThrow(/nodesDn: must name the DN of at least one node certificate/);
    expect(() => renderOpenSearchYml({ ...f.opensearchInput, nodesDn: ["CN=a\nplugins.security.disabled: true"] })).toThrow(/nodesDn\.0: must be a distinguished name/);
    expect(() => renderOpenSearchYml({ ...f.opensearchInput, httpTls: { ...f.opensearchInput.httpTls, keyPath: "node.key" } })).toThrow(/httpTls\.keyPath: must be an absolute path/);
  });
});

describe("the security plugin's files", () => {
  it("hold one user, with a bcrypt hash of the password and never the password itself", () => {
    const hash = internalUserHash("correct horse battery staple", "admin");
    expect(hash).toBe(f.OPENSEARCH_TEST_HASH);
    expect(compareSync("correct horse battery staple", hash)).toBe(true);
    expect(internalUserHash("correct horse battery staple", "admin")).toBe(hash);
    expect(internalUserHash("another password entirely", "admin")).not.toBe(hash);
    const users = parse(renderOpenSearchInternalUsers({ adminUser: "admin", passwordHash: hash }));
    expect(Object.keys(users).sort()).toEqual(["_meta", "admin"]);
    expect(users.admin).toMatchObject({ hash, backend_roles: ["rampart_admin"] });
    expect(() => renderOpenSearchInternalUsers({ adminUser: "admin", passwordHash: "correct horse battery staple" })).toThrow(/passwordHash: must be a bcrypt hash/);
    expect(() => renderOpenSearchInternalUsers({ adminUser: "ad min", passwordHash: hash })).toThrow(/adminUser: must contain only/);
  });

  it("authenticate over HTTP basic against the internal users only, with no anonymous access", () => {
    const files = renderOpenSearchSecurityConfig();
    expect(Object.keys(files).sort()).toEqual(["action_groups.yml", "allowlist.yml", "config.yml", "nodes_dn.yml", "roles.yml", "roles_mapping.yml", "tenants.yml"]);
    const dynamic = parse(files["config.yml"]!).config.dynamic;
    expect(dynamic.http.anonymous_auth_enabled).toBe(false);
    expect(Object.values(dynamic.authc)).toEqual([expect.objectContaining({ http_enabled: true, http_authenticator: { type: "basic", challenge: true }, authentication_backend: { type: "intern" } })]);
    expect(parse(files["roles_mapping.yml"]!).all_access.backend_roles).toEqual(["rampart_admin"]);
  });
});
