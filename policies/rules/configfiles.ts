import type { ResourceValidationArgs } from "@pulumi/policy";
import { asRecords, asString, isMasked } from "./values";

/**
 * Service configuration handed to a container as an `uploads` entry ({ file, content }). Rules find
 * them by file name, so they hold for any program that configures these servers this way.
 */
export interface ConfigFile {
  path: string;
  content: string;
}

export type FileMatcher = (path: string, base: string) => boolean;

export const FILES = {
  coturn: ((_p, b) => b === "turnserver.conf") as FileMatcher,
  nginx: ((p, b) => b === "nginx.conf" || (p.startsWith("/etc/nginx/") && b.endsWith(".conf"))) as FileMatcher,
  /** The search node's main file, Elasticsearch's or OpenSearch's: the rules judge each in its own settings. */
  elasticsearch: ((_p, b) => /^(elasticsearch|opensearch)\.ya?ml$/.test(b)) as FileMatcher,
  redis: ((_p, b) => b === "redis.conf") as FileMatcher,
  redisAcl: ((_p, b) => b.endsWith(".acl")) as FileMatcher,
  livekit: ((_p, b) => b === "livekit.yaml" || b === "livekit.yml") as FileMatcher,
};

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** Readable files of a kind, plus the paths of those whose content is secret (masked) or not inline. */
export function uploadsMatching(props: Record<string, unknown>, match: FileMatcher): { files: ConfigFile[]; hidden: string[] } {
  const files: ConfigFile[] = [];
  const hidden: string[] = [];
  for (const u of asRecords(props.uploads)) {
    const path = asString(u.file);
    if (!path || !match(path, basename(path))) continue;
    const content = u.content;
    if (typeof content === "string" && !isMasked(content)) files.push({ path, content });
    else hidden.push(path);
  }
  return { files, hidden };
}

/**
 * The files a service rule reads. Not applicable when the container has none; when all of them are
 * secret, the rule cannot see the configuration and says so (keep secrets in separate files).
 */
export function configFilesOrSkip(args: ResourceValidationArgs, match: FileMatcher, what: string): ConfigFile[] {
  const { files, hidden } = uploadsMatching(args.props, match);
  if (files.length === 0 && hidden.length === 0) args.notApplicable(`the container has no ${what} upload`);
  if (files.length === 0) args.notApplicable(`${hidden.join(", ")} is secret or not inline, so its configuration cannot be checked: keep secrets in separate files under /run/secrets`);
  return files;
}
