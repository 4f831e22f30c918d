import { describe, it } from "vitest";
import { renderTurnSecretConf, renderTurnserverConf } from "../../components/config/coturn";
import { renderElasticsearchYml, renderJvmHeapOptions } from "../../components/config/elasticsearch";
import { renderLivekitKeyFile, renderLivekitSecretYaml, renderLivekitYaml } from "../../components/config/livekit";
import { renderEdgeNginxConf } from "../../components/config/nginx";
import { renderOpenSearchInternalUsers, renderOpenSearchSecurityConfig, renderOpenSearchYml } from "../../components/config/opensearch";
import { renderRedisAcl, renderRedisConf } from "../../components/config/redis";
import * as f from "./fixtures";
import { expectGolden } from "./golden";

describe("golden files (UPDATE_GOLDEN=1 to rewrite)", () => {
  it("turnserver.conf", () => expectGolden("turnserver.conf", renderTurnserverConf(f.turnInput)));
  it("turn secret fragment", () => expectGolden("turn-secret.conf", renderTurnSecretConf(f.TEST_TURN_SECRET)));
  it("edge nginx.conf", () => expectGolden("edge-nginx.conf", renderEdgeNginxConf(f.edgeInput)));
  it("redis.conf", () => expectGolden("redis.conf", renderRedisConf(f.redisConfInput)));
  it("redis users.acl", () => expectGolden("redis-users.acl", renderRedisAcl(f.redisUsers)));
  it("livekit.yaml", () => expectGolden("livekit.yaml", renderLivekitYaml(f.livekitInput)));
  it("livekit key file", () => expectGolden("livekit-keys.yaml", renderLivekitKeyFile(f.livekitKeys)));
  it("livekit secret fragment", () => expectGolden("livekit-secret.yaml", renderLivekitSecretYaml(f.livekitSecretInput)));
  it("elasticsearch.yml", () => expectGolden("elasticsearch.yml", renderElasticsearchYml(f.elasticsearchInput)));
  it("jvm heap options", () => expectGolden("jvm-heap.options", renderJvmHeapOptions(4096)));
  it("opensearch.yml", () => expectGolden("opensearch.yml", renderOpenSearchYml(f.opensearchInput)));
  it("opensearch internal_users.yml", () => expectGolden("opensearch-internal_users.yml", renderOpenSearchInternalUsers({ adminUser: "admin", passwordHash: f.OPENSEARCH_TEST_HASH })));
  for (const [file, content] of Object.entries(renderOpenSearchSecurityConfig())) {
    it(`opensearch security ${file}`, () => expectGolden(`opensearch-security-${file}`, content));
  }
});
