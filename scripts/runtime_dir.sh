# Sourced by the scripts that open a Vulkan device: Mesa's software Vulkan device prints
# "error: XDG_RUNTIME_DIR is invalid or not set" on every device open when XDG_RUNTIME_DIR is
# unset or not a private directory of the user (containers, CI). Point it at one, as the edgecc
# CLI itself does: $TMPDIR/edgecc-runtime-<uid>, mode 0700, owned by the user. If that cannot be
# made, nothing changes. No output is redirected, so real errors still show.
edgecc_private_dir() {
  [ -n "$1" ] && [ "${1#/}" != "$1" ] && [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] &&
    [ "$(stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1" 2>/dev/null)" = 700 ]
}
if ! edgecc_private_dir "${XDG_RUNTIME_DIR:-}"; then
  edgecc_rt="${TMPDIR:-/tmp}"
  case "$edgecc_rt" in /*) ;; *) edgecc_rt="$PWD/$edgecc_rt" ;; esac
  edgecc_rt="${edgecc_rt%/}/edgecc-runtime-$(id -u)"
  (umask 077 && mkdir -p "$edgecc_rt") 2>/dev/null || true
  if edgecc_private_dir "$edgecc_rt"; then
    export XDG_RUNTIME_DIR="$edgecc_rt"
  fi
  unset edgecc_rt
fi
