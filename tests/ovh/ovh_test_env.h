// Helpers of the OVH provider tests: settings pointing at a running snapfs-emulator, request
// counters by route, the emulator's OVH state, and polling.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "providers/ovh/ovh_settings.h"
#include "tests/support/process.h"

namespace snapfs::test {

inline OvhSettings emulator_settings(const EmulatorProcess& emu,
                                     const std::string& secret = "demo-as",
                                     const std::string& prefix = "/1.0") {
  OvhSettings s;
  s.endpoint = emu.base_url() + prefix;
  s.base_url = emu.base_url() + prefix;
  s.application_key = "demo-ak";
  s.application_secret = secret;
  s.consumer_key = "demo-ck";
  s.secret_source = "application_secret in [ovh]";
  s.ca_file = emu.ca_file();
  return s;
}

inline OpContext test_ctx(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  return OpContext(timeout);
}

// Requests the emulator answered for one method and route template (any status when status=0).
inline long long route_count(const EmulatorProcess& emu, const std::string& method,
                             const std::string& route, int status = 0) {
  rapidjson::Document doc;
  std::string text = emu.stats_json();
  doc.Parse(text.c_str(), text.size());
  long long n = 0;
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("requests")) return -1;
  for (const auto& r : doc["requests"].GetArray()) {
    if (r["method"].GetString() == method && r["route"].GetString() == route &&
        (status == 0 || r["status"].GetInt() == status)) {
      n += r["count"].GetInt64();
    }
  }
  return n;
}

// The emulator's "ovh" state section, parsed into *doc; returns the section.
inline const rapidjson::Value& ovh_state(const EmulatorProcess& emu, rapidjson::Document* doc) {
  std::string text = emu.state_json();
  doc->Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc->HasParseError());
  return (*doc)["ovh"];
}

// Writes the demo data set with `edit` applied to its "ovh" section to dir/name; returns the path.
inline std::string write_edited_demo(
    const TempDir& dir, const std::string& name,
    const std::function<void(rapidjson::Value& ovh, rapidjson::Document::AllocatorType&)>& edit) {
  EmulatorProcess demo({"--seed", "demo"});
  rapidjson::Document doc;
  std::string text = demo.state_json();
  doc.Parse(text.c_str(), text.size());
  edit(doc["ovh"], doc.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  return dir.write_file(name, buf.GetString(), 0644);
}

// Polls `condition` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

inline std::int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace snapfs::test
