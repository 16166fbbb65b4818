#!/usr/bin/env bash
# What the KubeVirt simulator needs to give desktops a real screen (local/simulator/README.md,
# "Screens"): TigerVNC's X server, a window manager, a terminal, xsetroot, FreeRDP's shadow server
# (RDP) and winpr-hash (its CredSSP accounts), FreeRDP's X11 client (a native RDP client, for tests
# and benchmarks); for the remote-desktop benchmark, a C compiler, the Xlib and MIT-SHM headers (its
# test pattern and probe, bench/remote/*.c) and Xvfb (the native client's display); and, for
# desktops whose RDP server is xrdp (`--rdp-server xrdp`: clipboard and files), xrdp with xorgxrdp,
# fuse (files copied through the clipboard) and xclip (tests read and set a session's clipboard). Debian packages; installed with apt only when something is missing,
# so a second run does nothing. Without them the simulator shows a synthetic 64×48 picture instead.
#
# As root it also makes the machine account xrdp desktops sign in (local/simulator/screen/account.ts):
# kubevdi-desktop, no login shell, a random password kept for root alone in
# /etc/kubevdi/desktop-account (USER:PASSWORD). Made once; a second run leaves both as they are.
set -euo pipefail

# program (or file) → package
declare -A PACKAGES=(
  [Xvnc]=tigervnc-standalone-server
  [openbox]=openbox
  [xterm]=xterm
  [xsetroot]=x11-xserver-utils
  [freerdp-shadow-cli]=freerdp2-shadow-x11
  [winpr-hash]=winpr-utils
  [xfreerdp]=freerdp2-x11
  [xrdp]=xrdp
  [/usr/lib/xorg/modules/drivers/xrdpdev_drv.so]=xorgxrdp
  [fusermount]=fuse
  [xclip]=xclip
  [cc]=gcc
  [Xvfb]=xvfb
  [/usr/include/X11/Xlib.h]=libx11-dev
  [/usr/include/X11/extensions/XShm.h]=libxext-dev
)

present() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for program in "${!PACKAGES[@]}"; do
  present "$program" || missing+=("${PACKAGES[$program]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "desktop tools: all present"
else
  echo "desktop tools: installing ${missing[*]}"
  had_xrdp_service=no
  if [ -e /lib/systemd/system/xrdp.service ]; then had_xrdp_service=yes; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
  # The package starts an xrdp listening on every interface where systemd runs; the simulator runs
  # its own, one per desktop, on loopback. Only the service this run installed is turned off.
  if [ "$had_xrdp_service" = no ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now xrdp xrdp-sesman || true
  fi
fi

account=kubevdi-desktop
account_file=/etc/kubevdi/desktop-account
if [ "$(id -u)" -ne 0 ]; then
  echo "desktop account: not made (needs root, as xrdp desktops do)"
elif [ -s "$account_file" ] && id "$account" >/dev/null 2>&1; then
  echo "desktop account: $account (password in $account_file)"
else
  id "$account" >/dev/null 2>&1 ||
    useradd --create-home --shell /usr/sbin/nologin --comment "kubevdi simulated desktops (xrdp sessions)" "$account"
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  echo "$account:$password" | chpasswd
  install -d -m 0700 /etc/kubevdi
  (umask 077 && printf '%s:%s\n' "$account" "$password" >"$account_file")
  echo "desktop account: made $account (password in $account_file)"
fi
