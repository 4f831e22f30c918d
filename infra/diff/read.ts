import { readFileSync } from "node:fs";
import type { StateResource } from "@rampart/policies/check/evaluate";
import { detectShape, maskSecrets, resourcesOf, ShapeError, type Shape } from "@rampart/policies/check/shapes";
import { isObj } from "./values";

/**
 * One side of a diff, read from a plan (`npm run plan -- --json`), `pulumi preview --json` or
 * `pulumi stack export` with the policy pack's own shape readers.
 */
export interface Side {
  readonly label: string;
  readonly stack: string | undefined;
  readonly shape: Shape;
  /** As the policy server sees them (decrypted secrets revealed): what the verdict is reached on. */
  readonly resources: StateResource[];
  /** The same resources with every secret-marked value replaced by the mask: the only values a report shows. */
  readonly shown: StateResource[];
}

/** A file that cannot be read or is in none of the shapes (exit code 2). */
export class InputError extends Error {}

function stackOf(doc: unknown, resources: readonly StateResource[]): string | undefined {
  if (isObj(doc) && typeof doc.stack === "string") return doc.stack;
  const m = /^urn:pulumi:([^:]+)::/.exec(resources[0]?.urn ?? "");
  return m?.[1];
}

export function readSide(doc: unknown, label: string): Side {
  try {
    const { shape, resources } = resourcesOf(doc);
    const shown = resourcesOf(maskSecrets(doc)).resources;
    return { label, stack: stackOf(doc, resources), shape, resources, shown };
  } catch (e) {
    if (e instanceof ShapeError) throw new InputError(`${label}: ${e.message}`);
    throw e;
  }
}

export function parseSide(text: string, label: string): Side {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${label} is not JSON: ${(e as Error).message}`);
  }
  return readSide(doc, label);
}

export function readSideFile(path: string): Side {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSide(text, path);
}

/**
 * The state a `pulumi preview --json` started from: each step's `oldState` (the engine's own record of
 * the resource before the change), as a plan document. With the preview itself as the other side, one
 * preview file is a complete before/after pair.
 */
export function previewBefore(doc: unknown): unknown {
  if (detectShape(doc) !== "preview") throw new InputError("only a `pulumi preview --json` file carries the state it starts from");
  const steps = ((doc as { steps: unknown[] }).steps).filter(isObj);
  const resources = steps
    .map((s) => s.oldState)
    .filter(isObj)
    .map((old) => ({ ...old, inputs: isObj(old.inputs) ? old.inputs : {} }));
  return { resources };
}
