// The lines of a mountinfo text (/proc/self/mountinfo, proc(5)), read in one place for the
// three that need them: the NFS mounts holding snapshots' files (content/mount_table.h), the
// snapfs mount's own device for its readahead (read_ahead.h) and the snapfs mounts that
// `snapfs versions` searches (versions.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace snapfs {

// One mount: "ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER".
struct MountInfoEntry {
  std::string device;       // MAJ:MIN
  std::string root;         // the directory of the filesystem mounted there ("/": all of it)
  std::string mount_point;  // octal escapes decoded
  std::string type;         // "nfs4", "fuse.snapfs", ...
  std::string source;       // octal escapes decoded
};

// The entries of a mountinfo text, in file order (mount order: a later entry on the same mount
// point hides the earlier ones). Malformed lines are passed over.
std::vector<MountInfoEntry> parse_mountinfo_entries(std::string_view text);

// The kernel writes space, tab, newline and backslash in mountinfo fields as \040, \011, \012
// and \134.
std::string decode_mount_escapes(std::string_view field);

}  // namespace snapfs
