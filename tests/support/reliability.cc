#include "tests/support/reliability.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/support/fs_call.h"

namespace snapfs::test {
namespace {

long long number(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return 0;
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsNumber() ? it->value.GetInt64() : 0;
}

}  // namespace

DaemonCounters daemon_counters(const std::string& mount_root, const std::string& remote) {
  DaemonCounters out;
  FsCallResult r = fs_getxattr(mount_root, "user.snapfs.stats", std::chrono::seconds(10));
  if (!r.ok()) return out;
  rapidjson::Document doc;
  doc.Parse(r.value.c_str(), r.value.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("remotes") ||
      !doc["remotes"].HasMember(remote.c_str())) {
    return out;
  }
  const rapidjson::Value& stats = doc["remotes"][remote.c_str()];
  out.requests = number(stats, "requests");
  out.retries = number(stats, "retries");
  if (doc.HasMember("cache")) out.stale = number(doc["cache"], "stale");
  out.ok = true;
  return out;
}

EmulatorCounters emulator_counters(const EmulatorProcess& emulator) {
  EmulatorCounters out;
  rapidjson::Document doc;
  std::string text = emulator.stats_json();
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  out.total = number(doc, "total");
  if (doc.HasMember("requests") && doc["requests"].IsArray()) {
    for (const auto& r : doc["requests"].GetArray()) {
      if (json_text(r, "method") == "POST") out.posts += number(r, "count");
    }
  }
  return out;
}

int armed_faults(const EmulatorProcess& emulator) {
  std::string body;
  if (emulator.get("/_emulator/faults", &body) != 200) return -1;
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("faults") ||
      !doc["faults"].IsArray()) {
    return -1;
  }
  return static_cast<int>(doc["faults"].Size());
}

const rapidjson::Value* find_object(const rapidjson::Value& root, const char* key,
                                    const std::string& value) {
  if (root.IsObject()) {
    auto it = root.FindMember(key);
    if (it != root.MemberEnd() && it->value.IsString() && value == it->value.GetString()) {
      return &root;
    }
    for (auto m = root.MemberBegin(); m != root.MemberEnd(); ++m) {
      if (const rapidjson::Value* found = find_object(m->value, key, value)) return found;
    }
  } else if (root.IsArray()) {
    for (const auto& item : root.GetArray()) {
      if (const rapidjson::Value* found = find_object(item, key, value)) return found;
    }
  }
  return nullptr;
}

std::string json_text(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

void expect_answers_while_stuck(const std::string& root, Subprocess* stuck, int timeout_seconds) {
  const auto limit = std::chrono::seconds(timeout_seconds);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    FsCallResult stats = fs_getxattr(root, "user.snapfs.stats", limit);
    EXPECT_TRUE(stats.ok()) << errno_name(stats.error);
    EXPECT_NE(stats.value.find("requests"), std::string::npos) << stats.value;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
            timeout_seconds / 4.0)
      << "the answers waited for the stuck request";
  EXPECT_TRUE(stuck->running()) << "the stuck process should still be waiting on the API";
  kill(stuck->pid(), SIGINT);
  EXPECT_NE(stuck->stop(0, limit + std::chrono::seconds(1)), -1)
      << "the stuck process did not end after SIGINT";
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string artifacts_dir() {
  const char* env = std::getenv("SNAPFS_TEST_ARTIFACTS");
  std::filesystem::path dir = env != nullptr && *env != '\0'
                                  ? std::filesystem::path(env)
                                  : std::filesystem::current_path() / "test-artifacts";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir.string();
}

std::string log_tail(const std::string& log, std::size_t lines) {
  std::size_t pos = log.size();
  for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = log.rfind('\n', pos - 1);
    if (pos == std::string::npos) return log;
  }
  return log.substr(pos + 1);
}

}  // namespace snapfs::test
