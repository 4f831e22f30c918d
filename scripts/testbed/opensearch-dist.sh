#!/usr/bin/env bash
# Assembles an OpenSearch home (server, modules, security plugin) from Maven Central alone, in one Maven
# run, into a cache outside the repo keyed by version. No registry serves an OpenSearch image or tarball
# here; Maven Central serves the server's jars, the module jars (as the `*-client` artifacts) and the
# security plugin's zip. A second run finds the home in a second.
#
#   scripts/testbed/opensearch-dist.sh [--rebuild]
#   HOME_DIR=$(scripts/testbed/opensearch-dist.sh | tail -1)
#
# stdout carries one line, the assembled home's path; progress goes to stderr.
#
# What goes where (the layout of the upstream tar distribution, as far as the services need it):
#   lib/                        org.opensearch:opensearch and its runtime dependencies, plus what the
#                               tar distribution adds beside them (log4j-core, spatial4j, jts-core) and
#                               the plugin classloader (2.19.6: the 2.19.4 artifact is not served)
#   modules/<name>/             each module jar with its own dependencies less those already in lib/, a
#                               plugin-descriptor.properties written here (the jars carry none) and, for
#                               the modules that need one, the upstream plugin-security.policy
#   plugins/opensearch-security the security plugin's zip, unpacked; its demo configuration is removed
#                               (the tests mount Rampart's rendered security configuration instead)
#   bin/                        empty: the server refuses a home without it
#   config/opensearch.keystore  empty, as the upstream image ships it (written with the assembled jars)
#
# Environment:
#   RAMPART_TOOL_CACHE          cache root (default ~/.cache); the home is
#                               $RAMPART_TOOL_CACHE/rampart-opensearch/v<version>/home, the Maven log beside it
#   RAMPART_TOOL_REBUILD=1      assemble even if the home is present
#   MAVEN_REPO                  Maven's local repository (default ~/.m2/repository)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib/progress.sh
source "$here/lib/progress.sh"

say() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

rebuild=${RAMPART_TOOL_REBUILD:-}
[[ "$rebuild" == 0 ]] && rebuild=""
for arg in "$@"; do
  case $arg in
    --rebuild) rebuild=1 ;;
    -h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument \"$arg\" (usage: $0 [--rebuild])" ;;
  esac
done

# The version the stack pins for the production image (components/containers/images.ts).
VERSION=$(sed -n 's|^ *opensearch: "opensearchproject/opensearch:\([0-9][0-9.]*\)[@"].*|\1|p' "$repo/components/containers/images.ts")
[[ -n "$VERSION" ]] || die "no opensearchproject/opensearch:X.Y.Z pin found in components/containers/images.ts"
[[ "$VERSION" == 2.19.* ]] || die "OpenSearch $VERSION cannot be assembled here: only 2.19.x (3.x needs a module that is not served)"
SECURITY_VERSION=$VERSION.0
CLASSLOADER_VERSION=2.19.6
LOG4J_VERSION=2.21.0
SPATIAL4J_VERSION=0.7
JTS_VERSION=1.15.0
DEPENDENCY_PLUGIN_VERSION=3.8.1

# module name | artifact | plugin class | extended plugins | needs a security policy
MODULES=(
  "transport-netty4|transport-netty4-client|org.opensearch.transport.Netty4Plugin||policy"
  "lang-painless|lang-painless|org.opensearch.painless.PainlessPlugin||policy"
  "analysis-common|analysis-common|org.opensearch.analysis.common.CommonAnalysisPlugin|lang-painless|"
  "reindex|reindex-client|org.opensearch.index.reindex.ReindexPlugin||policy"
  "mapper-extras|mapper-extras-client|org.opensearch.index.mapper.MapperExtrasPlugin||"
  "parent-join|parent-join-client|org.opensearch.join.ParentJoinPlugin||"
  "percolator|percolator-client|org.opensearch.percolator.PercolatorPlugin||"
  "aggs-matrix-stats|aggs-matrix-stats-client|org.opensearch.search.aggregations.matrix.MatrixAggregationPlugin||"
  "lang-mustache|lang-mustache-client|org.opensearch.script.mustache.MustachePlugin||policy"
)

cache_root=${RAMPART_TOOL_CACHE:-$HOME/.cache}
dir=$(realpath -m "$cache_root/rampart-opensearch/v$VERSION")
home=$dir/home
case "$dir/" in
  "$repo"/*) die "the cache $dir is inside the repository: point RAMPART_TOOL_CACHE outside it" ;;
esac

if [[ -z "$rebuild" && -f "$home/.assembled" ]]; then
  say "OpenSearch $VERSION home present ($home)"
  echo "$home"
  exit 0
fi

command -v mvn >/dev/null || die "mvn is not on PATH (scripts/testbed/install.sh installs Debian's maven)"
command -v unzip >/dev/null || die "unzip is not on PATH (scripts/testbed/install.sh installs it)"
mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
  say "another assembly of OpenSearch $VERSION is running; waiting for it"
  flock 9
  if [[ -z "$rebuild" && -f "$home/.assembled" ]]; then echo "$home"; exit 0; fi
fi

# Everything is built in a temporary directory and moved into place only when complete.
rm -rf "$dir"/.build.*
tmp=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=$tmp/home
mkdir -p "$out/bin" "$out/lib" "$out/modules" "$out/plugins" "$out/config"

dep() { # groupId artifactId version [scope] [type]
  printf '    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s%s</dependency>\n' \
    "$1" "$2" "$3" "${4:+<scope>$4</scope>}" "${5:+<type>$5</type>}"
}
# child <dir> <output directory> <dependencies…>: a pom whose runtime dependencies are copied to the output.
child() {
  local name=$1 output=$2; shift 2
  mkdir -p "$tmp/reactor/$name"
  cat >"$tmp/reactor/$name/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent><groupId>rampart.testbed</groupId><artifactId>opensearch-dist</artifactId><version>1</version></parent>
  <artifactId>$name</artifactId>
  <packaging>pom</packaging>
  <dependencies>
$(printf '%s' "$*")
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
    <executions><execution><id>copy</id><phase>package</phase><goals><goal>copy-dependencies</goal></goals>
      <configuration><outputDirectory>$output</outputDirectory><includeScope>runtime</includeScope></configuration>
    </execution></executions>
  </plugin></plugins></build>
</project>
POM
}

server=$(dep org.opensearch opensearch "$VERSION")
provided_server=$(dep org.opensearch opensearch "$VERSION" provided)
child lib "$out/lib" "$server
$(dep org.apache.logging.log4j log4j-core "$LOG4J_VERSION")
$(dep org.locationtech.spatial4j spatial4j "$SPATIAL4J_VERSION")
$(dep org.locationtech.jts jts-core "$JTS_VERSION")
$(dep org.opensearch opensearch-plugin-classloader "$CLASSLOADER_VERSION")"
reactor_modules="<module>lib</module>"
for row in "${MODULES[@]}"; do
  IFS='|' read -r name artifact _ _ _ <<<"$row"
  child "module-$name" "$out/modules/$name" "$provided_server
$(dep org.opensearch.plugin "$artifact" "$VERSION")"
  reactor_modules+="<module>module-$name</module>"
done
child security "$tmp/zips" "$(dep org.opensearch.plugin opensearch-security "$SECURITY_VERSION" "" zip)"
reactor_modules+="<module>security</module>"
cat >"$tmp/reactor/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>rampart.testbed</groupId><artifactId>opensearch-dist</artifactId><version>1</version>
  <packaging>pom</packaging>
  <modules>$reactor_modules</modules>
  <build><pluginManagement><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
    <version>$DEPENDENCY_PLUGIN_VERSION</version>
  </plugin></plugins></pluginManagement></build>
</project>
POM

start=$SECONDS
say "assembling OpenSearch $VERSION with its security plugin $SECURITY_VERSION from Maven Central into $home (one Maven run; cold, about 1-2 min)"
maven() { mvn -B -ntp ${MAVEN_REPO:+-Dmaven.repo.local="$MAVEN_REPO"} -f "$tmp/reactor/pom.xml" package; }
with_progress --log "$dir/maven.log" "mvn package (OpenSearch $VERSION reactor)" maven >&2

# A module carries only what the server's classpath does not: the same jar twice is refused as jar hell.
for row in "${MODULES[@]}"; do
  IFS='|' read -r name artifact classname extended policy <<<"$row"
  mdir=$out/modules/$name
  for jar in "$mdir"/*.jar; do
    [[ -e "$out/lib/$(basename "$jar")" ]] && rm -f "$jar"
  done
  class_file="${classname//.//}.class"
  found=""
  for jar in "$mdir"/*.jar; do
    if unzip -Z1 "$jar" 2>/dev/null | grep -x "$class_file" >/dev/null; then found=$jar; break; fi
  done
  [[ -n "$found" ]] || die "module $name: no jar in $mdir holds its plugin class $classname"
  cat >"$mdir/plugin-descriptor.properties" <<PROPS
description=$name module (assembled from Maven Central by scripts/testbed/opensearch-dist.sh)
version=$VERSION
name=$name
classname=$classname
java.version=11
opensearch.version=$VERSION
extended.plugins=$extended
has.native.controller=false
PROPS
  if [[ -n "$policy" ]]; then
    cp "$here/opensearch/$name.policy" "$mdir/plugin-security.policy"
  fi
done

unzip -q "$tmp/zips/opensearch-security-$SECURITY_VERSION.zip" -d "$out/plugins/opensearch-security"
[[ -f "$out/plugins/opensearch-security/plugin-descriptor.properties" ]] || die "the security plugin's zip has no plugin-descriptor.properties"
# The plugin's own copies of the demo security configuration are not used: Rampart renders its own.
rm -rf "$out/plugins/opensearch-security/config"
# The empty keystore the upstream image ships in config/ (a node without one writes it at start).
java=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java
[[ -x "$java" ]] || java=$(command -v java) || die "no java found (JDK 17: scripts/testbed/install.sh installs it)"
"$java" -cp "$out/lib/*" "$here/opensearch/CreateKeystore.java" "$out/config" >&2
[[ -f "$out/config/opensearch.keystore" ]] || die "no opensearch.keystore was written"
touch "$out/.assembled"
rm -rf "$home"
mv "$out" "$home"
say "OpenSearch $VERSION assembled in $(progress_elapsed "$start") ($home, $(du -sm "$home" | cut -f1) MB)"
echo "$home"
