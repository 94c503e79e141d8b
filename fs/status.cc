#include "fs/status.h"

#include <errno.h>
#include <rapidjson/document.h>
#include <sys/xattr.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "fs/check_config.h"

namespace snapfs {
namespace {

constexpr const char* kStatsAttr = "user.snapfs.stats";

std::uint64_t number(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

std::string text(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// "200:12 404:1": each HTTP status with its count; 0 stands for requests that got no answer.
std::string by_status(const rapidjson::Value& remote) {
  auto it = remote.FindMember("by_status");
  if (it == remote.MemberEnd() || !it->value.IsObject()) return "-";
  std::string out;
  for (auto s = it->value.MemberBegin(); s != it->value.MemberEnd(); ++s) {
    if (!s->value.IsUint64()) continue;
    std::string status = s->name.GetString();
    if (status == "0") status = "no-answer";
    out += (out.empty() ? "" : " ") + status + ":" + std::to_string(s->value.GetUint64());
  }
  return out.empty() ? "-" : out;
}

std::string cache_line(const rapidjson::Value& cache) {
  std::uint64_t hits = number(cache, "hits");
  std::uint64_t misses = number(cache, "misses");
  char rate[32] = "-";
  if (hits + misses > 0) {
    std::snprintf(rate, sizeof rate, "%.1f%%",
                  100.0 * static_cast<double>(hits) / static_cast<double>(hits + misses));
  }
  return "cache: " + std::to_string(hits) + " hits, " + std::to_string(misses) +
         " misses (hit rate " + rate + "), " + std::to_string(number(cache, "fetches")) +
         " fetches, " + std::to_string(number(cache, "shared")) + " shared, " +
         std::to_string(number(cache, "stale")) + " stale\n";
}

// The attribute's value, or the errno of the failed getxattr(2).
int read_stats(const std::string& path, std::string* value) {
  for (int attempt = 0; attempt < 3; ++attempt) {  // the value may grow between the two calls
    ssize_t size = getxattr(path.c_str(), kStatsAttr, nullptr, 0);
    if (size < 0) return errno;
    std::vector<char> buffer(static_cast<std::size_t>(size) + 1);
    ssize_t got = getxattr(path.c_str(), kStatsAttr, buffer.data(), buffer.size());
    if (got >= 0) {
      value->assign(buffer.data(), static_cast<std::size_t>(got));
      return 0;
    }
    if (errno != ERANGE) return errno;
  }
  return ERANGE;
}

}  // namespace

bool format_status(const std::string& stats_json, std::string* report, std::string* error) {
  rapidjson::Document doc;
  doc.Parse(stats_json.c_str(), stats_json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("remotes") ||
      !doc["remotes"].IsObject() || !doc.HasMember("cache") || !doc["cache"].IsObject()) {
    *error = "user.snapfs.stats is not the counters document of a snapfs mount";
    return false;
  }
  std::vector<std::vector<std::string>> rows = {
      {"REMOTE", "TYPE", "REQUESTS", "BY STATUS", "RETRIES", "ERRORS", "LAST ERROR"}};
  for (auto it = doc["remotes"].MemberBegin(); it != doc["remotes"].MemberEnd(); ++it) {
    if (!it->value.IsObject()) continue;
    const rapidjson::Value& remote = it->value;
    std::string last_error = text(remote, "last_error");
    rows.push_back(
        {it->name.GetString(), text(remote, "type"), std::to_string(number(remote, "requests")),
         by_status(remote), std::to_string(number(remote, "retries")),
         std::to_string(number(remote, "errors")), last_error.empty() ? "-" : last_error});
  }
  *report = format_table(rows) + cache_line(doc["cache"]);
  // The counters of snapshot contents (SEMANTICS.md 5b) and the inode table, a line each.
  const std::pair<const char*, const char*> lines[] = {
      {"reads", "snapshot file reads through snapfs"},
      {"spliced_reads", "of those, answered from a pipe"},
      {"listings_ahead", "snapshot directory listings read ahead and used"},
      {"inodes", "inodes"}};
  for (const auto& [key, label] : lines) {
    if (doc.HasMember(key) && doc[key].IsUint64()) {
      *report += std::string(label) + ": " + std::to_string(doc[key].GetUint64()) + "\n";
    }
  }
  return true;
}

int run_status(const std::string& mountpoint, std::FILE* out, std::FILE* err) {
  std::string value;
  int rc = read_stats(mountpoint, &value);
  if (rc == ENODATA || rc == ENOTSUP) {
    std::fprintf(err,
                 "snapfs: %s is not a snapfs mount (no %s; give the mount point itself, not a "
                 "directory inside it)\n",
                 mountpoint.c_str(), kStatsAttr);
    return 1;
  }
  if (rc == ENOTCONN) {
    std::fprintf(err,
                 "snapfs: %s: the snapfs process of this mount is gone; unmount it with "
                 "fusermount3 -u %s\n",
                 mountpoint.c_str(), mountpoint.c_str());
    return 1;
  }
  if (rc != 0) {
    std::fprintf(err, "snapfs: %s: %s\n", mountpoint.c_str(), std::strerror(rc));
    return 1;
  }
  std::string report, error;
  if (!format_status(value, &report, &error)) {
    std::fprintf(err, "snapfs: %s: %s\n", mountpoint.c_str(), error.c_str());
    return 1;
  }
  std::fprintf(out, "snapfs mount: %s\n%s", mountpoint.c_str(), report.c_str());
  return 0;
}

}  // namespace snapfs
