/** `npm run diff`: the offline security review of an infrastructure change (README "Reviewing a change"). */
export { diffPlans, diffSides, type DiffReport } from "./diff";
export { renderMarkdown, marker } from "./render-markdown";
export { renderJson } from "./render-json";
export { readSide, parseSide, readSideFile, previewBefore, InputError, type Side } from "./read";
