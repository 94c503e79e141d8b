// `snapfs status MOUNTPOINT`: the counters of a running mount (its root's user.snapfs.stats)
// as a report an administrator can read.
#pragma once

#include <cstdio>
#include <string>

namespace snapfs {

// The report for a user.snapfs.stats value; false (with *error set) when it is not one.
bool format_status(const std::string& stats_json, std::string* report, std::string* error);

// The whole command: 0 with the report on `out`, 1 with a message on `err` when `mountpoint` is
// not the root of a working snapfs mount.
int run_status(const std::string& mountpoint, std::FILE* out, std::FILE* err);

}  // namespace snapfs
