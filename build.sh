#!/usr/bin/env bash
# Builds the native AOT binary into out/sniffer (no .NET runtime needed to run it).
# Installs what is missing on Debian/Ubuntu (run as root): a C toolchain and zlib for the AOT linker,
# libpcap0.8 for live capture. Fails on any IL2xxx/IL3xxx trim/AOT warning.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -n "$(ldconfig -p 2>/dev/null | grep 'libpcap\.so')" ] || need+=(libpcap0.8)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: installing ${need[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "build.sh: please install: ${need[*]}" >&2
    exit 1
  fi
fi

mkdir -p out
log=out/publish.log
if ! dotnet publish src/Sniffer -c Release -o out -nologo >"$log" 2>&1; then
  cat "$log" >&2
  echo "build.sh: publish failed" >&2
  exit 1
fi
if grep -E 'warning IL[23][0-9]{3}' "$log" >&2; then
  echo "build.sh: trim/AOT warnings (IL2xxx/IL3xxx) above: the native build must be warning-free" >&2
  exit 1
fi
echo "build.sh: built $(pwd)/out/sniffer" >&2
