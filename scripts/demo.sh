#!/usr/bin/env bash
# The snapfs demo on a fresh machine: installs what it needs, builds, starts snapfs-emulator with
# its demo data set, mounts snapfs on a temporary directory and walks through the tree.
# Unmounts cleanly at the end, or on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
export SNAPFS_BUILD_DIR=${SNAPFS_BUILD_DIR:-$root/build}
echo "== building snapfs (a minute on a fresh clone)"
"$root/scripts/build.sh" -DBUILD_TESTING=OFF >/dev/null
bin=$SNAPFS_BUILD_DIR

work=$(mktemp -d /tmp/snapfs-demo.XXXXXX)
mnt=$work/mnt
mkdir -p "$mnt"
emu_pid=""
fs_pid=""
cleanup() {
  trap - EXIT INT TERM
  if mountpoint -q "$mnt" 2>/dev/null; then
    fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -u -z "$mnt" 2>/dev/null || true
    echo "== unmounted $mnt"
  fi
  [ -n "$fs_pid" ] && wait "$fs_pid" 2>/dev/null || true
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The NAS volumes' files (and their snapshots' copies) live under $work/content, where a host
# would see them through its NFS mounts.
"$bin/snapfs-emulator" --seed demo --content-root "$work/content" >"$work/emulator.out" \
  2>"$work/emulator.log" &
emu_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/emulator.out" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$work/emulator.out")
[ -n "$url" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }
echo "== snapfs-emulator (demo data) at $url"

# This host has no NFS mount of those volumes: a mount table of its own says that each export
# is mounted on its tree under $work/content, once the emulator has written them (a volume's
# tree is the directory holding its README.txt; snapshot copies are left out).
for _ in $(seq 200); do
  curl -fsS "$url/_emulator/content" 2>/dev/null | grep -q '"pending":0' && break
  sleep 0.05
done
find "$work/content" \( -name .zfs -o -name .snapshot \) -prune -o -name README.txt -print |
  sort | while read -r file; do
  id=$((${id:-39} + 1))
  tree=${file%/README.txt}
  rel=${tree#"$work/content/"}
  echo "$id 1 0:$id / $tree rw,relatime - nfs4 ${rel%%/*}:/${rel#*/} rw,vers=4.2"
done >"$work/mountinfo"
export SNAPFS_MOUNTINFO=$work/mountinfo

umask 077
cat >"$work/snapfs.conf" <<CONF
# Demo remotes, all served by snapfs-emulator with its demo credentials.
[scw]
type = scaleway-instance
zones = fr-par-1,nl-ams-1
api_url = $url
secret_key = 00000000-0000-4000-8000-000000000001

[scw-block]
type = scaleway-block
zones = fr-par-1,nl-ams-1
api_url = $url
secret_key = 00000000-0000-4000-8000-000000000001

[ovh-nas]
type = ovh-nasha
endpoint = $url/1.0
application_key = demo-ak
application_secret = demo-as
consumer_key = demo-ck

[ovh-efs]
type = ovh-netapp
endpoint = $url/1.0
application_key = demo-ak
application_secret = demo-as
consumer_key = demo-ck

[naver]
type = naver-nas
platform = vpc
api_url = $url
access_key = demo-access-key
secret_key = demo-secret-key
CONF

"$bin/snapfs" -f --config "$work/snapfs.conf" "$mnt" 2>"$work/snapfs.log" &
fs_pid=$!
for _ in $(seq 200); do
  mountpoint -q "$mnt" && break
  sleep 0.05
done
mountpoint -q "$mnt" || { echo "snapfs did not mount:"; cat "$work/snapfs.log"; exit 1; }
echo "== snapfs mounted on $mnt"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; (cd "$mnt" && eval "$@") || true; }
snapdir=scw/fr-par-1/$(ls "$mnt/scw/fr-par-1" | head -n 1)/.snapshots

echo
echo "The tree: remote / service (zone) / volume / .snapshots / snapshot"
step "find . -maxdepth 5 | sort"
echo
echo "Snapshots of one volume: mtime is the creation time, size the provider's"
step "ls -la '$snapdir'"
echo
echo "mkdir creates a snapshot; it shows at once, in state 'creating'"
step "mkdir '$snapdir/release-42'"
step "getfattr -d -m 'user.snapfs' '$snapdir/release-42' | grep -v user.snapfs.json"
echo
echo "Metadata and tags are extended attributes"
step "setfattr -n user.snapfs.tags -v demo,kept '$snapdir/release-42'"
step "getfattr -n user.snapfs.tags '$snapdir/release-42'"
echo
echo "mv renames, rmdir deletes"
step "mv '$snapdir/release-42' '$snapdir/release-42-kept'"
step "sleep 1.5; rmdir '$snapdir/release-42-kept'"
step "ls '$snapdir'"
echo
echo "Counters of the API requests made so far"
step "getfattr --only-values -n user.snapfs.stats ."
echo
nas=ovh-nas/$(ls "$mnt/ovh-nas" | head -n 1)/$(ls "$mnt/ovh-nas/$(ls "$mnt/ovh-nas" | head -n 1)" | head -n 1)/.snapshots
echo "An OVHcloud HA-NAS partition: the automatic snapshot schedule is an attribute"
step "getfattr -n user.snapfs.schedule '$nas'"
navervol=naver/KR/$(ls "$mnt/naver/KR" | head -n 1)/.snapshots
echo "NAVER Cloud names snapshots itself: mkdir leaves your name as a link to the real one"
step "mkdir '$navervol/my-snapshot' && ls -l '$navervol/my-snapshot'"
echo
snap=$nas/$(ls "$mnt/$nas" | head -n 1)
content=$(getfattr --absolute-names --only-values -n user.snapfs.content "$mnt/$snap")
live=${content%/.zfs/snapshot/*}
echo "A snapshot of an NFS volume this host mounts shows its files, read-only"
step "getfattr -n user.snapfs.content '$snap'"
step "ls -l '$snap' '$snap/docs'"
echo
echo "A file changed on the live tree (the NFS mount) after the snapshot..."
step "echo 'Edited after the snapshot.' >>'$live/docs/report.txt'; cat '$live/docs/report.txt'"
echo "...is still the old one in the snapshot; snapfs versions finds it, cp restores it"
step "cat '$snap/docs/report.txt'"
step "'$bin/snapfs' versions --mount '$mnt' '$live/docs/report.txt'"
old=$("$bin/snapfs" versions --mount "$mnt" "$live/docs/report.txt" | head -n 1 | cut -d' ' -f3-)
step "cp -a '$old' '$live/docs/report.txt' && cat '$live/docs/report.txt'"
echo

if [ -t 0 ]; then
  echo "The mount stays up: explore $mnt in another terminal. Press Enter (or Ctrl-C) to unmount."
  read -r _ || true
fi
