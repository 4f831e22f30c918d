#!/usr/bin/env node
"use strict";
/**
 * First step of the npm scripts that need a current Node.js (the pre* hooks in package.json): on an
 * older Node, print how to get a newer one and exit 1, instead of a syntax error or a stack trace from
 * deep inside a dependency. Written for any Node.js still in use (no modern syntax), and reads the
 * required range from package.json's "engines" rather than naming a version here.
 *
 *   node scripts/tools/check-node.cjs [--node-version vX.Y.Z]   (default: the running Node)
 *   RAMPART_CHECK_NODE_VERSION=vX.Y.Z node scripts/tools/check-node.cjs
 */
var fs = require("fs");
var path = require("path");

var HOW =
  "get Node 24 with `source scripts/ci/node24.sh` (installs the official binary with npm into ~/.node24: " +
  "`npm install --prefix ~/.node24 node@24`), `nvm install 24`, or an official build from https://nodejs.org/en/download";

function parse(version) {
  var m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(String(version).trim());
  if (!m) return null;
  var part = function (s) {
    return s === undefined || s === "x" || s === "*" ? null : Number(s);
  };
  return [Number(m[1]), part(m[2]), part(m[3])];
}

function compare(a, b) {
  for (var i = 0; i < 3; i++) {
    var x = a[i] === null ? 0 : a[i];
    var y = b[i] === null ? 0 : b[i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** One comparator (">=22", "^22.1", "~24.0", "22.x", "24") against a version triple. */
function satisfiesComparator(v, comparator) {
  var m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(comparator);
  if (!m) return false;
  var op = m[1] || "";
  var want = parse(m[2]);
  if (!want) return false;
  var c = compare(v, want);
  if (op === ">=") return c >= 0;
  if (op === ">") return c > 0;
  if (op === "<=") return c <= 0;
  if (op === "<") return c < 0;
  if (op === "^") return c >= 0 && v[0] === want[0];
  if (op === "~") return c >= 0 && v[0] === want[0] && (want[1] === null || v[1] === want[1]);
  // "=", bare or x-range: every given part must match.
  for (var i = 0; i < 3; i++) if (want[i] !== null && v[i] !== want[i]) return false;
  return true;
}

/** A semver range of the forms engines fields use: comparators joined by spaces, alternatives by "||". */
function satisfies(version, range) {
  var v = parse(version);
  if (!v) return false;
  return range.split("||").some(function (alternative) {
    var comparators = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1").split(/\s+/).filter(Boolean);
    if (comparators.length === 0) return true;
    return comparators.every(function (c) {
      return c === "*" || c === "x" || satisfiesComparator(v, c);
    });
  });
}

function main(argv, env) {
  var i = argv.indexOf("--node-version");
  var version = i >= 0 ? argv[i + 1] : env.RAMPART_CHECK_NODE_VERSION || process.version;
  var manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  var range = manifest.engines && manifest.engines.node;
  if (!range || satisfies(version, range)) return 0;
  var simple = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  var wanted = simple ? ">= " + simple[1] : range;
  var shown = /^v/.test(version) ? version : "v" + version;
  console.error("Rampart needs Node.js " + wanted + " (this is " + shown + "): " + HOW + ".");
  return 1;
}

module.exports = { satisfies: satisfies };

if (require.main === module) process.exit(main(process.argv.slice(2), process.env));
