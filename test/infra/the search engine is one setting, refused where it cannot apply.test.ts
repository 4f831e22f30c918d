import { describe, expect, it } from "vitest";
import { parseConfig } from "../../infra/config";
import { issuesOf } from "../support/config-issues";

describe("rampart:searchEngine", () => {
  it("defaults to elasticsearch and accepts opensearch with a 2.19.x image", () => {
    expect(parseConfig({}).search).toEqual({ engine: "elasticsearch" });
    expect(parseConfig({ searchEngine: "opensearch" }).search).toEqual({ engine: "opensearch" });
    expect(parseConfig({ searchEngine: "opensearch", opensearchImage: "opensearchproject/opensearch:2.19.3" }).images.opensearch).toBe("opensearchproject/opensearch:2.19.3");
  });

  it("refuses an unknown engine, naming the choices", () => {
    expect(issuesOf({ searchEngine: "solr" })).toEqual(['rampart:searchEngine: unknown search engine "solr" (expected one of: elasticsearch, opensearch)']);
  });

  it("refuses an OpenSearch image outside the 2.19 line the renderer writes settings for, and an unpinned one", () => {
    expect(issuesOf({ searchEngine: "opensearch", opensearchImage: "opensearchproject/opensearch:3.2.0" })).toEqual([
      "rampart:opensearchImage: tag 3.2.0 is not a 2.19.x release; Rampart renders the 2.19 security plugin's settings (plugins.security.*), so pin a 2.19.x image",
    ]);
    expect(issuesOf({ searchEngine: "opensearch", opensearchImage: "opensearchproject/opensearch:latest" })[0]).toMatch(/^rampart:opensearchImage: image .* uses the tag "latest"/);
  });

  it("refuses the image of the engine not chosen instead of ignoring it", () => {
    expect(issuesOf({ opensearchImage: "opensearchproject/opensearch:2.19.4" })).toEqual([
      "rampart:opensearchImage: set, but rampart:searchEngine is elasticsearch; remove it or set rampart:searchEngine to opensearch",
    ]);
    expect(issuesOf({ searchEngine: "opensearch", elasticsearchImage: "docker.elastic.co/elasticsearch/elasticsearch:8.19.4" })).toEqual([
      "rampart:elasticsearchImage: set, but rampart:searchEngine is opensearch; remove it or set rampart:searchEngine to elasticsearch",
    ]);
  });

  it("is refused on aws-scale, where search is always Amazon OpenSearch Service", () => {
    const scale = {
      target: "aws-scale",
      domain: "example.com",
      cloudflareZoneId: "023e105f4ecef8ad9ca31a8372d0c353",
      acmeEmail: "ops@example.com",
      gatewayImage: "ghcr.io/example/gateway:1.0.0",
      privateSubnetCidrs: ["10.40.10.0/24", "10.40.11.0/24", "10.40.12.0/24"],
    };
    expect(parseConfig(scale).target).toBe("aws-scale");
    expect(issuesOf({ ...scale, searchEngine: "opensearch" })).toEqual([
      "rampart:searchEngine: not used by the aws-scale target (search is always Amazon OpenSearch Service there); remove it",
    ]);
  });
});
