#!/usr/bin/env bash
# What the KubeVirt simulator needs to give desktops a real screen (local/simulator/README.md,
# "Screens"): TigerVNC's X server, a window manager, a terminal, xsetroot, FreeRDP's shadow server
# (RDP) and winpr-hash (its CredSSP accounts), and FreeRDP's X11 client (a native RDP client, for
# tests and benchmarks); and for the remote-desktop benchmark, a C compiler and the Xlib and
# MIT-SHM headers (its test pattern and probe, bench/remote/*.c) and Xvfb (the native client's
# display). Debian packages; installed with apt
# only when a program or header is missing, so a second run does nothing. Without them the
# simulator shows a synthetic 64×48 picture instead.
set -euo pipefail

# program → package
declare -A PACKAGES=(
  [Xvnc]=tigervnc-standalone-server
  [openbox]=openbox
  [xterm]=xterm
  [xsetroot]=x11-xserver-utils
  [freerdp-shadow-cli]=freerdp2-shadow-x11
  [winpr-hash]=winpr-utils
  [xfreerdp]=freerdp2-x11
  [cc]=gcc
  [Xvfb]=xvfb
)
# header → package
declare -A HEADERS=(
  [/usr/include/X11/Xlib.h]=libx11-dev
  [/usr/include/X11/extensions/XShm.h]=libxext-dev
)

missing=()
for program in "${!PACKAGES[@]}"; do
  command -v "$program" >/dev/null || missing+=("${PACKAGES[$program]}")
done
for header in "${!HEADERS[@]}"; do
  [ -f "$header" ] || missing+=("${HEADERS[$header]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "desktop tools: all present"
  exit 0
fi
echo "desktop tools: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
