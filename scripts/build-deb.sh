#!/usr/bin/env bash
# Builds the Debian package from an installed tree.
#   scripts/build-deb.sh BINARY OUT_DIR
# BINARY is the self-contained mkpolicy (`make release`: .build/release/mkpolicy).
# Writes OUT_DIR/mkpolicy_VERSION_ARCH.deb and prints its path. Depends are
# derived from what the binary links (dpkg-shlibdeps) and the shlibs of the
# libraries it opens with dlopen (dist/dlopen-libraries), not written by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$1
out=$2
# Pipelines read their whole input (no head, grep -q or awk exit): with
# pipefail, a writer cut off early dies of SIGPIPE and the script with it (141).
version=$("$binary" --version | awk 'NR == 1 {print $NF}')
arch=$(dpkg --print-architecture)
work=.build/deb
root=$work/root
rm -rf "$root" "$work/shlibdeps"
mkdir -p "$root/DEBIAN" "$out"

make --no-print-directory install BIN_RELEASE="$binary" DESTDIR="$root" PREFIX=/usr \
  UNITDIR=/lib/systemd/system >&2

# Debian policy: no RPATH (SwiftPM sets $ORIGIN), no symbols in /usr/bin,
# compressed manual pages, a copyright file and a changelog.
patchelf --remove-rpath "$root/usr/bin/mkpolicy"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/mkpolicy"
find "$root/usr/share/man" -type f -name '*.1' -exec gzip -9n {} +
doc=$root/usr/share/doc/mkpolicy
install -d "$doc"
install -m 0644 dist/debian/copyright "$doc/copyright"
sed "s/@VERSION@/$version/" dist/debian/changelog | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Depends: the library packages dpkg-shlibdeps finds for what the binary needs.
mkdir -p "$work/shlibdeps/debian"
printf 'Source: mkpolicy\n\nPackage: mkpolicy\nArchitecture: any\n' > "$work/shlibdeps/debian/control"
depends=$(cd "$work/shlibdeps" && dpkg-shlibdeps -O "$OLDPWD/$root/usr/bin/mkpolicy" 2>/dev/null \
  | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# Packed relative relocations (DT_RELR, Package.swift) need glibc 2.36: the
# binary requires the version GLIBC_ABI_DT_RELR, which names no symbol, so
# dpkg-shlibdeps (which reads symbols) may derive an older libc6.
relr=$(readelf -V "$root/usr/bin/mkpolicy" | grep -c GLIBC_ABI_DT_RELR || true)
if [ "$relr" -gt 0 ]; then
  libc=$(printf '%s\n' "$depends" | tr ',' '\n' | sed -n 's/^ *libc6 (>= \([^)]*\)).*/\1/p')
  if [ -z "$libc" ] || dpkg --compare-versions "$libc" lt 2.36; then
    depends=$(printf '%s' "$depends" | sed 's/libc6 (>= [^)]*)/libc6 (>= 2.36)/')
    case $depends in *"libc6 (>= 2.36)"*) ;; *) depends="libc6 (>= 2.36), $depends" ;; esac
  fi
fi
# Libraries opened with dlopen (dist/dlopen-libraries) are not in NEEDED:
# each adds the dependency its own package declares in its shlibs file.
while read -r soname; do
  case $soname in '' | '#'*) continue ;; esac
  path=$(ldconfig -p | awk -v name="$soname" \
    '!found && $1 == name && /x86-64|aarch64|64bit/ {print $NF; found = 1}')
  [ -n "$path" ] || { echo "build-deb: $soname (dlopen) is not installed" >&2; exit 1; }
  package=""
  for candidate in "$path" "$(readlink -f "$path")"; do
    package=$(dpkg-query -S "$candidate" 2>/dev/null | sed -n '1s/:.*//p') && [ -n "$package" ] && break
  done
  [ -n "$package" ] || { echo "build-deb: no package owns $path ($soname)" >&2; exit 1; }
  shlibs=$(dpkg-query --control-path "$package:$arch" shlibs)
  base=${soname%.so.*}
  entry=$(awk -v lib="$base" -v major="${soname##*.so.}" \
    '$1 == lib && $2 == major {$1 = ""; $2 = ""; sub(/^ +/, ""); print; exit}' "$shlibs")
  [ -n "$entry" ] || { echo "build-deb: no shlibs entry for $soname in $package" >&2; exit 1; }
  depends="$depends, $entry"
done < dist/dlopen-libraries

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
  -e "s/@SIZE@/$size/" dist/debian/control > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
  | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb=$out/mkpolicy_${version}_${arch}.deb
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)} \
  dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
