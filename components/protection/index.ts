/**
 * How Rampart declares a resource that holds data (docs/data-protection.md). One switch,
 * `rampart:allowDataDeletion` (off by default), decides for the whole stack; components take it as
 * `allowDataDeletion?: boolean` and default to protecting.
 *
 * Two kinds, chosen by where the data lives:
 * - `kept`: data on a disk Rampart manages itself (Docker volumes, the Docker host's EBS data volume).
 *   `protect` makes `pulumi destroy` and any replacement stop with the engine's "protected" error, and
 *   `retainOnDelete` means that even after someone unprotects the resource by hand (`pulumi state
 *   unprotect`), a destroy drops it from the state and leaves the volume where it is: a Docker volume
 *   with the same name is adopted again by the next `up`, an EBS volume can be attached again.
 * - `guarded`: a managed service (ElastiCache, OpenSearch Service). `protect` only: a retained cluster
 *   would keep running and billing outside any stack. Its own safety nets (final snapshot, automated
 *   snapshots) are declared by the component.
 * With the switch on, both are plain resources: destroy deletes them, and no final snapshot is taken.
 */
import type * as pulumi from "@pulumi/pulumi";

export const DATA_PROTECTION_DEFAULTS = { allowDataDeletion: false } as const;

export type DataKind = "kept" | "guarded";

/** The resource options of a data resource of `kind`, given the stack's switch. */
export function dataResourceOptions(kind: DataKind, allowDataDeletion: boolean | undefined): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
  if (allowDataDeletion ?? DATA_PROTECTION_DEFAULTS.allowDataDeletion) return { protect: false, retainOnDelete: false };
  return kind === "kept" ? { protect: true, retainOnDelete: true } : { protect: true, retainOnDelete: false };
}
