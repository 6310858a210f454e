#!/usr/bin/env bash
# Builds the distributions of the daemon from the daemon module's jars (run by `mvn package`):
#
#   OUT/jvirtiofsd-VERSION/        bin/jvirtiofsd, bin/namespace-supervisor, lib/*.jar and a
#                                  class-data sharing archive for this place and this JDK
#   OUT/jvirtiofsd_DEBVERSION_ARCH.deb
#                                  the same under /usr/libexec/jvirtiofsd (its archive made for
#                                  that place), and the vhost-user backend descriptor
#                                  /usr/share/qemu/vhost-user/40-jvirtiofsd.json
#
# Usage: build-dist.sh VERSION DAEMON_LIB OUT
#   VERSION     the project version (a -SNAPSHOT becomes ~SNAPSHOT in the package's version)
#   DAEMON_LIB  the daemon module's lib directory: jvirtiofsd.jar and the jars its manifest names
#   OUT         where the results go (the dist module's build directory)
#
# The archive (-XX:ArchiveClassesAtExit) comes from one training run of the launcher with the
# JDK that runs the build: start-up to listening, one frontend connecting and leaving, exit.
# It only serves that JDK, at the jar directory it was made for (JDK 17 cannot move it): its
# lib/jvirtiofsd.jsa.jvm says which; bin/jvirtiofsd checks it and runs without the archive
# otherwise. The package's training run sees the package's files at /usr/libexec/jvirtiofsd
# through a private mount namespace (as root, or inside a user namespace of its own).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
[[ $# -eq 3 ]] || { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
version=$1 daemon_lib=$2 out=$3
installed=/usr/libexec/jvirtiofsd

[[ -f "$daemon_lib/jvirtiofsd.jar" ]] || { echo "build-dist: no $daemon_lib/jvirtiofsd.jar" >&2; exit 1; }
for program in dpkg dpkg-deb perl unshare; do
    command -v "$program" >/dev/null || { echo "build-dist: $program is missing (a Debian system is needed)" >&2; exit 1; }
done
if [[ -n "${JAVA_HOME:-}" ]]; then java=$JAVA_HOME/bin/java; else java=$(command -v java); fi
jdk_home=$(dirname "$(dirname "$(readlink -f "$java")")")
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/build-dist.log
: > "$log"

# The jars: the daemon's, and those its manifest's Class-Path names (nothing else that may lie
# about in the directory). Manifest lines longer than 72 bytes go on in lines starting with a space.
manifest_jars() {
    local dir
    dir=$(mktemp -d)
    (cd "$dir" && "$jdk_home/bin/jar" --extract --file "$daemon_lib/jvirtiofsd.jar" META-INF/MANIFEST.MF)
    tr -d '\r' < "$dir/META-INF/MANIFEST.MF" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' \
        | sed -n 's/^Class-Path: //p' | tr ' ' '\n' | sed '/^$/d'
    rm -rf "$dir"
}
jars=(jvirtiofsd.jar $(manifest_jars))

# A distribution tree at $1: bin/ and lib/, modes set whatever the umask.
make_tree() {
    local top=$1
    rm -rf "$top"
    install -d -m 0755 "$top/bin" "$top/lib"
    install -m 0755 "$repo/bin/jvirtiofsd" "$repo/bin/namespace-supervisor" "$top/bin/"
    for jar in "${jars[@]}"; do
        # -p: the archive records each jar's size and time, which must be the same where it is used.
        cp -p "$daemon_lib/$jar" "$top/lib/$jar"
        chmod 0644 "$top/lib/$jar"
    done
}

# The training run of the launcher $1 (its lib/ as it is seen where the archive will be used),
# writing the archive $2 and its description. Returns non-zero, with the run's log, on failure.
train() {
    local launcher=$1 archive=$2 lib work pid
    lib=$(dirname "$archive")
    work=$(mktemp -d)
    rm -f "$archive" "$archive.jvm"
    env -u JVIRTIOFSD_LIB JAVA_HOME="$jdk_home" JVIRTIOFSD_JAVA_OPTS="-XX:ArchiveClassesAtExit=$archive" \
        "$launcher" --socket-path="$work/vfs.sock" --shared-dir="$work" --sandbox=none \
        </dev/null >"$work/daemon.log" 2>&1 &
    pid=$!
    # Listening once a connection is accepted; the daemon then sees the frontend leave and exits 0.
    local tries=0
    until perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1' "$work/vfs.sock" 2>/dev/null; do
        tries=$((tries + 1))
        if ! kill -0 "$pid" 2>/dev/null || (( tries > 600 )); then
            kill "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    local status=0
    wait "$pid" || status=$?
    cat "$work/daemon.log" >> "$log"
    rm -rf "$work"
    if [[ $status -ne 0 || ! -s "$archive" ]]; then
        echo "build-dist: the training run for $archive failed (status $status):" >&2
        cat "$log" >&2
        rm -f "$archive"
        return 1
    fi
    chmod 0644 "$archive"
    { sed -n '/^IMPLEMENTOR=/p; /^JAVA_RUNTIME_VERSION=/p' "$jdk_home/release"; echo "lib=$lib"; } > "$archive.jvm"
    chmod 0644 "$archive.jvm"
}

# 1. The distribution directory, its archive made in place.
dist=$out/jvirtiofsd-$version
make_tree "$dist"
train "$dist/bin/jvirtiofsd" "$dist/lib/jvirtiofsd.jsa"

# 2. The Debian package.
deb_version=${version//-/\~}
arch=$(dpkg --print-architecture)
stage=$out/deb/jvirtiofsd_${deb_version}_$arch
rm -rf "$out/deb"
install -d -m 0755 "$stage/DEBIAN" "$stage/usr/share/qemu/vhost-user" "$stage/usr/share/doc/jvirtiofsd"
make_tree "$stage$installed"
install -m 0644 "$here/src/vhost-user/40-jvirtiofsd.json" "$stage/usr/share/qemu/vhost-user/"
install -m 0644 "$repo/README.md" "$stage/usr/share/doc/jvirtiofsd/"

# The package's archive: the launcher must run as /usr/libexec/jvirtiofsd/bin/jvirtiofsd, which
# a private mount namespace shows over the staged files (the host's /usr/libexec is untouched).
if [[ $(id -u) -eq 0 ]]; then namespace=(unshare --mount --propagation private); else
    namespace=(unshare --user --map-root-user --mount --propagation private); fi
if "${namespace[@]}" true 2>/dev/null; then
    "${namespace[@]}" bash -c 'mount --bind "$1" /usr/libexec && shift && "$@"' bash "$stage/usr/libexec" \
        bash -c "$(declare -f train); $(declare -p log jdk_home); train \"\$@\"" train \
        "$installed/bin/jvirtiofsd" "$installed/lib/jvirtiofsd.jsa"
else
    echo "build-dist: warning: no mount namespace for the package's training run; the package has no class-data sharing archive" >&2
fi

installed_size=$(du -sk --apparent-size "$stage/usr" | cut -f1)
sed -e "s/@VERSION@/$deb_version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    "$here/src/debian/control" > "$stage/DEBIAN/control"
(cd "$stage" && find usr -type f | LC_ALL=C sort | xargs md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
deb=$out/jvirtiofsd_${deb_version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >> "$log"
echo "build-dist: $dist/ and $deb"
