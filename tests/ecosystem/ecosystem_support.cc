#include "tests/ecosystem/ecosystem_support.h"

#include <dirent.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace snapfs::test {
namespace {

using Clock = std::chrono::steady_clock;

// One process's state letter from /proc/PID/stat ('Z' for a zombie), or 0 when it is gone.
char process_state(pid_t pid) {
  std::string stat = read_file_text("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return 0;
  return stat[paren + 2];
}

bool parse_json(const std::string& text, rapidjson::Document* doc) {
  doc->Parse(text.c_str(), text.size());
  return !doc->HasParseError() && doc->IsObject();
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

std::string demo_config(const std::string& url) {
  return "# The demo remotes of scripts/demo.sh, all served by snapfs-emulator --seed demo.\n"
         "[scw]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1\napi_url = " +
         url +
         "\nsecret_key = 00000000-0000-4000-8000-000000000001\n\n"
         "[scw-block]\ntype = scaleway-block\nzones = fr-par-1,nl-ams-1\napi_url = " +
         url +
         "\nsecret_key = 00000000-0000-4000-8000-000000000001\n\n"
         "[ovh-nas]\ntype = ovh-nasha\nendpoint = " +
         url +
         "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n\n"
         "[ovh-efs]\ntype = ovh-netapp\nendpoint = " +
         url +
         "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n\n"
         "[naver]\ntype = naver-nas\nplatform = vpc\napi_url = " +
         url + "\naccess_key = demo-access-key\nsecret_key = demo-secret-key\n";
}

std::string artifacts_dir() {
  const char* configured = std::getenv("SNAPFS_TEST_ARTIFACTS");
  std::string dir = configured != nullptr && *configured != '\0'
                        ? configured
                        : std::string(SNAPFS_BUILD_DIR) + "/test-artifacts";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir;
}

std::string save_artifact(const std::string& name, const std::string& content) {
  std::string path = artifacts_dir() + "/" + name;
  std::ofstream out(path, std::ios::trunc);
  out << content;
  return path;
}

bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::vector<std::string> missing_commands(const std::vector<std::string>& names) {
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    if (run_command("command -v " + shell_quote(name) + " >/dev/null").exit_code != 0) {
      missing.push_back(name);
    }
  }
  return missing;
}

bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

RequestCounts request_counts(const EmulatorProcess& emulator) {
  RequestCounts counts;
  counts.json = emulator.stats_json();
  rapidjson::Document doc;
  if (!parse_json(counts.json, &doc) || !doc.HasMember("total") || !doc["total"].IsInt64() ||
      !doc.HasMember("requests") || !doc["requests"].IsArray()) {
    ADD_FAILURE() << "bad /_emulator/stats answer: " << counts.json;
    return counts;
  }
  counts.total = doc["total"].GetInt64();
  for (const auto& r : doc["requests"].GetArray()) {
    if (!r.IsObject() || !r.HasMember("count") || !r["count"].IsInt64()) continue;
    long long n = r["count"].GetInt64();
    std::string method = string_member(r, "method");
    counts.by_method[method] += n;
    counts.by_route[method + " " + string_member(r, "route")] += n;
    counts.by_api[string_member(r, "api")] += n;
  }
  return counts;
}

RequestCounts settled_request_counts(const EmulatorProcess& emulator,
                                     std::chrono::milliseconds quiet,
                                     std::chrono::milliseconds timeout) {
  RequestCounts last = request_counts(emulator);
  auto deadline = Clock::now() + timeout;
  auto unchanged_since = Clock::now();
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    RequestCounts now = request_counts(emulator);
    if (now.total != last.total) {
      unchanged_since = Clock::now();
      last = now;
    } else if (Clock::now() - unchanged_since >= quiet) {
      return now;
    }
  }
  return last;
}

std::optional<std::string> instance_snapshot_state(const EmulatorProcess& emulator,
                                                   const std::string& name) {
  rapidjson::Document doc;
  std::string text = emulator.state_json();
  if (!parse_json(text, &doc)) {
    ADD_FAILURE() << "bad /_emulator/state answer";
    return std::nullopt;
  }
  auto scaleway = doc.FindMember("scaleway");
  if (scaleway == doc.MemberEnd() || !scaleway->value.IsObject()) return std::nullopt;
  auto snapshots = scaleway->value.FindMember("instance_snapshots");
  if (snapshots == scaleway->value.MemberEnd() || !snapshots->value.IsArray()) return std::nullopt;
  for (const auto& s : snapshots->value.GetArray()) {
    if (string_member(s, "name") == name) return string_member(s, "state");
  }
  return std::nullopt;
}

VolumeWithSnapshot instance_volume_with_snapshot(const EmulatorProcess& emulator) {
  rapidjson::Document doc;
  std::string text = emulator.state_json();
  if (!parse_json(text, &doc) || !doc.HasMember("scaleway")) return {};
  const rapidjson::Value& scaleway = doc["scaleway"];
  if (!scaleway.IsObject() || !scaleway.HasMember("instance_volumes") ||
      !scaleway.HasMember("instance_snapshots") || !scaleway["instance_volumes"].IsArray() ||
      !scaleway["instance_snapshots"].IsArray()) {
    return {};
  }
  // Names snapfs shows byte for byte: no escaping, no leading dot, no sibling of the same name.
  static const std::regex kPlain(R"([A-Za-z0-9][A-Za-z0-9._-]*)");
  std::map<std::string, std::string> volume_names;  // id -> name, zone fr-par-1
  std::multiset<std::string> volume_name_count;
  for (const auto& v : scaleway["instance_volumes"].GetArray()) {
    if (string_member(v, "zone") != "fr-par-1") continue;
    volume_names[string_member(v, "id")] = string_member(v, "name");
    volume_name_count.insert(string_member(v, "name"));
  }
  std::map<std::string, std::multiset<std::string>> snapshots_of;  // volume id -> names
  for (const auto& s : scaleway["instance_snapshots"].GetArray()) {
    if (!s.HasMember("base_volume") || !s["base_volume"].IsObject()) continue;
    snapshots_of[string_member(s["base_volume"], "id")].insert(string_member(s, "name"));
  }
  for (const auto& [id, name] : volume_names) {
    if (!std::regex_match(name, kPlain) || volume_name_count.count(name) != 1) continue;
    for (const std::string& snapshot : snapshots_of[id]) {
      if (std::regex_match(snapshot, kPlain) && snapshots_of[id].count(snapshot) == 1) {
        return {name, snapshot};
      }
    }
  }
  return {};
}

std::vector<pid_t> processes_with_argument(const std::string& argument) {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || pid == getpid()) continue;
    std::string cmdline = read_file_text("/proc/" + std::string(entry->d_name) + "/cmdline");
    std::stringstream words(cmdline);
    bool found = false;
    for (std::string word; std::getline(words, word, '\0');) found = found || word == argument;
    if (found && process_state(static_cast<pid_t>(pid)) != 'Z') {
      pids.push_back(static_cast<pid_t>(pid));
    }
  }
  closedir(proc);
  return pids;
}

bool process_gone(pid_t pid) {
  char state = process_state(pid);
  return state == 0 || state == 'Z';
}

int kill_processes_with_argument(const std::string& argument) {
  std::vector<pid_t> pids = processes_with_argument(argument);
  for (pid_t pid : pids) kill(pid, SIGKILL);
  return static_cast<int>(pids.size());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace snapfs::test
