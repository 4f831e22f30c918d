// Entry point for `pulumi up` / `pulumi preview`: the engine calls the exported function and publishes
// what it returns as stack outputs.
import { rampart } from "./program";

export = rampart;
