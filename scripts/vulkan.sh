#!/usr/bin/env bash
# Makes sure a Vulkan driver is installed for the WGSL backend: when no Vulkan ICD is registered,
# installs Debian's `mesa-vulkan-drivers` (lavapipe, the CPU as a Vulkan device) with apt-get (as
# root, or through sudo). Used by scripts/setup.sh and scripts/example.sh.
set -euo pipefail

die() {
  echo "vulkan.sh: $*" >&2
  exit 1
}

if compgen -G "/usr/share/vulkan/icd.d/*.json" >/dev/null || compgen -G "/etc/vulkan/icd.d/*.json" >/dev/null; then
  echo "vulkan.sh: a Vulkan driver is installed"
  exit 0
fi
echo "vulkan.sh: no Vulkan driver found; installing mesa-vulkan-drivers (lavapipe)"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "no Vulkan driver, and installing one needs root (or sudo)"
  SUDO="sudo"
fi
command -v apt-get >/dev/null 2>&1 ||
  die "no Vulkan driver and no apt-get: install a Vulkan driver (Mesa's lavapipe) by hand"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q mesa-vulkan-drivers >/dev/null 2>&1 ||
  { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q mesa-vulkan-drivers >/dev/null; } ||
  die "apt-get install mesa-vulkan-drivers failed"
