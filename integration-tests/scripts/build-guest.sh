#!/usr/bin/env bash
# Builds the test guest: a Debian kernel and a busybox initramfs whose /init mounts a virtio-fs
# share (integration-tests/guest/init). Cached; rebuilt only when an input changes (kernel
# package version, busybox, init, this script, the host binaries copied in).
#
# Usage: build-guest.sh [--print]
#   --print   print the paths of the kernel and the initramfs as shell assignments
#
# Environment:
#   JVIRTIOFSD_GUEST_CACHE    cache directory (default: <repository>/.cache/guest)
#   JVIRTIOFSD_GUEST_KERNEL   kernel package (default: the newest linux-image-6.1.0-N-amd64)
#   JVIRTIOFSD_GUEST_KERNEL_DEB  a kernel package file to use instead (e.g. trixie's 6.12, from
#                             fetch-trixie.sh kernel); use a cache directory of its own
#   JVIRTIOFSD_GUEST_BINARIES host binaries copied into the guest with their libraries
#                             (default: /usr/bin/getfattr /usr/bin/setfattr)
#
# Output in the cache: vmlinuz, initramfs.cpio.gz.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${JVIRTIOFSD_GUEST_CACHE:-$repo/.cache/guest}
init_file=$here/../guest/init
binaries=${JVIRTIOFSD_GUEST_BINARIES:-/usr/bin/getfattr /usr/bin/setfattr}
busybox=/bin/busybox
# What the guest loads; their dependencies are added from the modules' own metadata.
wanted_modules=(virtio_pci virtiofs)

print=no
[[ "${1:-}" == --print ]] && print=yes

log() { echo "build-guest: $*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9   # one build at a time; concurrent callers wait and then find it up to date

newest_kernel_package() {
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null \
        | awk '{print $1}' | sort -V | tail -n 1
}

kernel_deb=${JVIRTIOFSD_GUEST_KERNEL_DEB:-}
kernel_pkg=${JVIRTIOFSD_GUEST_KERNEL:-}
if [[ -n "$kernel_deb" ]]; then
    [[ -s "$kernel_deb" ]] || die "no kernel package file $kernel_deb"
    kernel_pkg=$(dpkg-deb -f "$kernel_deb" Package)
fi
if [[ -z "$kernel_pkg" ]]; then
    kernel_pkg=$(newest_kernel_package)
    if [[ -z "$kernel_pkg" && ! -s "$cache/inputs" ]]; then
        log "no kernel package in apt's lists; running apt-get update"
        apt-get update -qq >/dev/null 2>&1 || true
        kernel_pkg=$(newest_kernel_package)
    fi
fi
kernel_ver=
if [[ -n "$kernel_deb" ]]; then
    kernel_ver=$(dpkg-deb -f "$kernel_deb" Version)
elif [[ -n "$kernel_pkg" ]]; then
    kernel_ver=$(apt-cache policy "$kernel_pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
fi

if [[ -z "$kernel_ver" || "$kernel_ver" == "(none)" ]]; then
    # Offline and no lists: keep using what was built before, if anything.
    if [[ -s "$cache/vmlinuz" && -s "$cache/initramfs.cpio.gz" ]]; then
        log "no kernel package found with apt-cache; using the cached guest"
        kernel_pkg=$(awk '$1 == "kernel" {print $2}' "$cache/inputs")
        kernel_ver=$(awk '$1 == "kernel" {print $3}' "$cache/inputs")
    else
        die "no linux-image-6.1.0-*-amd64 package found (apt-get update?)"
    fi
fi

for binary in $busybox $binaries; do
    [[ -x "$binary" ]] || die "$binary is missing (run integration-tests/scripts/setup-host.sh)"
done

# Shared libraries of a dynamically linked binary, one absolute path a line.
libraries_of() {
    ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u
}

# --- conformance suite: tools, users and groups (ConformanceGuestIT) -------------------------
# perl (perl-base: syscall(), fcntl locks, flock, setuid), xfs_io (xfsprogs: fpunch, seek -d/-h,
# copy_range) and getfacl/setfacl (acl). xfsprogs and acl need not be installed on the host:
# their packages are downloaded with the host's apt and extracted into the cache; their
# libraries come from the host. A guest user "tester" (1000:1000) and "other" (1001:1001).
tools_dir=$cache/tools
tool_packages=(xfsprogs acl)
tool_binaries=(usr/sbin/xfs_io bin/getfacl bin/setfacl)
perl_binary=/usr/bin/perl
perl_lib=/usr/lib/x86_64-linux-gnu/perl-base

tool_package_versions() {
    local package
    for package in "${tool_packages[@]}"; do
        echo "$package $(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    done
}

fetch_tool_packages() {
    local versions
    versions=$(tool_package_versions)
    [[ -f "$tools_dir/versions" && "$(cat "$tools_dir/versions")" == "$versions" ]] && return 0
    rm -rf "$tools_dir.tmp" && mkdir -p "$tools_dir.tmp/debs"
    if ! (cd "$tools_dir.tmp/debs" && apt-get download -q "${tool_packages[@]}" >/dev/null 2>&1); then
        log "cannot download ${tool_packages[*]}: the conformance checks that need them will fail"
        rm -rf "$tools_dir.tmp"
        return 0
    fi
    local deb
    for deb in "$tools_dir.tmp"/debs/*.deb; do
        dpkg-deb -x "$deb" "$tools_dir.tmp/root"
    done
    rm -rf "$tools_dir.tmp/debs" "$tools_dir"
    echo "$versions" > "$tools_dir.tmp/versions"
    mv "$tools_dir.tmp" "$tools_dir"
}

conformance_inputs() {
    [[ -f "$tools_dir/versions" ]] && sed 's/^/tool /' "$tools_dir/versions"
    echo "perl $(sha256sum < "$perl_binary" | cut -d' ' -f1)"
}

# Copies one binary (from the host or the extracted packages) with its host libraries.
copy_with_libraries() {
    local source=$1 target=$2 lib
    mkdir -p "$(dirname "$target")"
    cp -L "$source" "$target"
    for lib in $(libraries_of "$source"); do
        mkdir -p "$root$(dirname "$lib")"
        cp -Ln "$lib" "$root$lib"
    done
}

add_conformance_tools() {
    local binary
    for binary in "${tool_binaries[@]}"; do
        [[ -x "$tools_dir/root/$binary" ]] && copy_with_libraries "$tools_dir/root/$binary" "$root/usr/bin/$(basename "$binary")"
    done
    copy_with_libraries "$perl_binary" "$root/usr/bin/perl"
    mkdir -p "$root$(dirname "$perl_lib")"
    cp -a "$perl_lib" "$root$perl_lib"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'tester:x:1000:1000:tester:/tmp:/bin/sh' \
        'other:x:1001:1001:other:/tmp:/bin/sh' > "$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'tester:x:1000:' 'other:x:1001:' 'team:x:2000:' > "$root/etc/group"
}
fetch_tool_packages
# --- end of the conformance block --------------------------------------------------------------

describe_inputs() {
    echo "kernel $kernel_pkg $kernel_ver"
    echo "busybox $(sha256sum < "$busybox" | cut -d' ' -f1)"
    echo "init $(sha256sum < "$init_file" | cut -d' ' -f1)"
    echo "script $(sha256sum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
    echo "modules ${wanted_modules[*]}"
    conformance_inputs   # conformance block
    local binary lib
    for binary in $binaries; do
        echo "binary $binary $(sha256sum < "$binary" | cut -d' ' -f1)"
        for lib in $(libraries_of "$binary"); do
            echo "lib $lib $(sha256sum < "$lib" | cut -d' ' -f1)"
        done
    done
}

print_paths() {
    if [[ $print == yes ]]; then
        echo "GUEST_KERNEL=$cache/vmlinuz"
        echo "GUEST_INITRAMFS=$cache/initramfs.cpio.gz"
    fi
}

inputs=$(describe_inputs)
if [[ -s "$cache/vmlinuz" && -s "$cache/initramfs.cpio.gz" && -f "$cache/inputs" ]] \
        && [[ "$(cat "$cache/inputs")" == "$inputs" ]]; then
    print_paths
    exit 0
fi

log "building the guest ($kernel_pkg $kernel_ver)"
work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- kernel and modules, kept per package version -------------------------------------------
kdir=$cache/kernels/${kernel_pkg}_$kernel_ver
if [[ ! -s "$kdir/vmlinuz" || ! -s "$kdir/modules.load" ]]; then
    if [[ -n "$kernel_deb" ]]; then
        cp "$kernel_deb" "$work/"
    else
        (cd "$work" && apt-get download -q "$kernel_pkg=$kernel_ver" >/dev/null 2>"$work/apt.err") \
            || { cat "$work/apt.err" >&2; die "cannot download $kernel_pkg $kernel_ver"; }
    fi
    dpkg-deb -x "$work"/"${kernel_pkg}"_*.deb "$work/pkg"
    rm -f "$work"/*.deb

    # /lib/modules, or /usr/lib/modules in a merged-/usr package (trixie's).
    modules_dir=$work/pkg/lib/modules
    [[ -d "$modules_dir" ]] || modules_dir=$work/pkg/usr/lib/modules
    release=$(ls "$modules_dir")
    tree=$modules_dir/$release/kernel
    builtin=$modules_dir/$release/modules.builtin
    rm -rf "$kdir.tmp"
    mkdir -p "$kdir.tmp/modules"
    cp "$work/pkg/boot/vmlinuz-$release" "$kdir.tmp/vmlinuz"

    # Copies module $1 (decompressed, so busybox insmod can load it) and its dependencies,
    # then appends it to the load order: dependencies always come first.
    add_module() {
        local name=$1 file dep deps
        grep -qx "$name" "$kdir.tmp/modules.load" 2>/dev/null && return 0
        file=$(find "$tree" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) | head -n 1)
        if [[ -z "$file" ]] && grep -Eq "/($name|${name//_/-})\.ko\$" "$builtin" 2>/dev/null; then
            return 0   # built into the kernel (e.g. virtio_pci and virtiofs in Debian's 6.12)
        fi
        [[ -n "$file" ]] || die "module $name not found in $kernel_pkg"
        case "$file" in
            *.ko) cp "$file" "$kdir.tmp/modules/$name.ko" ;;
            *.ko.xz) xz -dc "$file" > "$kdir.tmp/modules/$name.ko" ;;
            *.ko.zst) zstd -qdc "$file" > "$kdir.tmp/modules/$name.ko" ;;
            *.ko.gz) gzip -dc "$file" > "$kdir.tmp/modules/$name.ko" ;;
            *) die "unknown module format: $file" ;;
        esac
        # The .modinfo section holds NUL-terminated "key=value" strings.
        deps=$(tr '\0' '\n' < "$kdir.tmp/modules/$name.ko" \
            | awk -F= '$1 == "depends" && !seen++ {gsub(",", " ", $2); print $2}')
        for dep in $deps; do
            add_module "$dep"
        done
        echo "$name" >> "$kdir.tmp/modules.load"
    }
    : > "$kdir.tmp/modules.load"
    for m in "${wanted_modules[@]}"; do
        add_module "$m"
    done
    echo "$release" > "$kdir.tmp/release"
    rm -rf "$work/pkg" "$kdir"
    mv "$kdir.tmp" "$kdir"
    log "kernel $release, modules: $(tr '\n' ' ' < "$kdir/modules.load")"
    # Older kernels are no longer an input: drop them.
    for old in "$cache"/kernels/*; do
        [[ "$old" == "$kdir" ]] || rm -rf "$old"
    done
fi

# --- base initramfs --------------------------------------------------------------------------
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,mnt,tmp,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$init_file" "$root/init"
find "$kdir/modules" -name '*.ko' -exec cp {} "$root/lib/modules/" \;   # none when all are built in
cp "$kdir/modules.load" "$root/etc/modules.load"
for binary in $binaries; do
    mkdir -p "$root$(dirname "$binary")"
    cp -L "$binary" "$root$binary"
    for lib in $(libraries_of "$binary"); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
done
add_conformance_tools   # conformance block
if [[ $(id -u) -eq 0 ]]; then
    mknod -m 600 "$root/dev/console" c 5 1
fi

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 > "$work/initramfs.cpio.gz"
cp "$kdir/vmlinuz" "$work/vmlinuz"
mv "$work/vmlinuz" "$cache/vmlinuz"
mv "$work/initramfs.cpio.gz" "$cache/initramfs.cpio.gz"
echo "$inputs" > "$cache/inputs"
log "guest ready in $cache"
print_paths
