// Pieces every OVHcloud API v6 route shares: the JSON answers and errors, request-body and
// path helpers, list expansion (X-Pagination-*), and the readers and writers of the state file.
// The module (ovh.cc) owns authentication and routing; nasha.h and netapp.h own their state.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/api_module.h"

namespace snapfs::emu::ovh {

using Alloc = rapidjson::Document::AllocatorType;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr std::int64_t kNasZoneOffsetSeconds = 3600;
constexpr int kMaxCustomSnapshots = 10;
constexpr int kMaxScheduleTypes = 4;
constexpr int kMaxEfsSnapshots = 200;
constexpr int kMaxPolicyRules = 4;
inline const char* const kSnapshotTypes[] = {"day-1", "day-2",  "day-3",
                                             "day-7", "hour-1", "hour-6"};

// ---- small helpers ----------------------------------------------------------------------------

std::string sha1_hex(const std::string& data);
bool same_secret(const std::string& a, const std::string& b);
std::optional<std::int64_t> to_int(const std::string& text);
std::string nas_date(std::int64_t unix_us);
std::string efs_date(std::int64_t unix_us);
bool valid_custom_name(const std::string& name);
int snapshot_type_rank(const std::string& type);
void sort_schedules(std::vector<std::string>& types);
std::string path_param(const EmuRequest& r, const std::string& name);
void write_opt(JsonWriter& w, const std::optional<std::string>& v);
// HA-NAS writes an empty text as null.
void write_text_or_null(JsonWriter& w, const std::string& v);
void write_int_list(JsonWriter& w, const std::optional<std::vector<int>>& v);

EmuResponse json_answer(int status, std::string body);
EmuResponse api_error(int status, const std::string& error_class, const std::string& message);
EmuResponse auth_error(int status, const std::string& code, const std::string& message);
EmuResponse not_found_object(const std::string& key, const std::string& value);
EmuResponse service_not_found();
EmuResponse resource_not_found();
EmuResponse bad_request(const std::string& message);
EmuResponse void_ok();

// Parses a JSON request body; a missing body counts as {}.
bool parse_body(const EmuRequest& r, rapidjson::Document* doc);
// A JSON member as a string: nullopt when absent or null; `bad` when present with another type.
std::optional<std::string> body_string(const rapidjson::Value& doc, const char* name, bool* bad);

// ---- X-Pagination-Filter ----------------------------------------------------------------------

struct FilterTerm {
  std::string field;
  std::string op;
  std::string value;
};

std::vector<FilterTerm> parse_filter(const std::string& header);
bool filter_matches(const std::vector<FilterTerm>& terms, const std::string& object_json);

// The body `write` writes, as a JSON answer.
template <class F>
EmuResponse object_answer(int status, F write) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write(w);
  return json_answer(status, buf.GetString());
}

// ---- list expansion -------------------------------------------------------------------------

// Answers a list route with x-expanded-response: ids, or (with X-Pagination-Mode) the objects,
// filtered and paged.
template <class T>
EmuResponse expandable_list(const EmuRequest& r, const std::vector<const T*>& items,
                            bool can_expand,
                            const std::function<void(JsonWriter&, const T&)>& write_id,
                            const std::function<void(JsonWriter&, const T&)>& write_object) {
  const std::string mode = r.header("x-pagination-mode");
  const bool pages = mode == "CachedObjectList-Pages";
  const bool cursor = mode == "CachedObjectList-Cursor";
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  if (!can_expand || (!pages && !cursor)) {
    w.StartArray();
    for (const T* item : items) write_id(w, *item);
    w.EndArray();
    return json_answer(200, buf.GetString());
  }
  auto object_text = [&](const T& item) {
    rapidjson::StringBuffer b;
    JsonWriter ow(b);
    write_object(ow, item);
    return std::string(b.GetString(), b.GetSize());
  };
  std::vector<const T*> selected;
  const std::string filter = r.header("x-pagination-filter");
  if (filter.empty()) {
    selected = items;
  } else {
    auto terms = parse_filter(filter);
    for (const T* item : items) {
      if (filter_matches(terms, object_text(*item))) selected.push_back(item);
    }
  }
  const std::int64_t total = static_cast<std::int64_t>(selected.size());
  std::int64_t size = to_int(r.header("x-pagination-size")).value_or(0);
  if (size <= 0) size = std::max<std::int64_t>(total, 1);
  constexpr std::int64_t kLimit = 1000000000;  // keeps (number - 1) * size in range
  size = std::min(size, kLimit);
  std::int64_t first = 0;
  std::int64_t number = 1;
  if (pages) {
    number =
        std::clamp<std::int64_t>(to_int(r.header("x-pagination-number")).value_or(1), 1, kLimit);
    first = (number - 1) * size;
  } else {
    first = std::max<std::int64_t>(0, to_int(r.header("x-pagination-cursor")).value_or(0));
  }
  const std::int64_t last = std::min(total, first + size);
  w.StartArray();
  for (std::int64_t i = first; i < last; ++i)
    write_object(w, *selected[static_cast<std::size_t>(i)]);
  w.EndArray();
  EmuResponse out = json_answer(200, buf.GetString());
  out.headers.emplace_back("X-Pagination-Elements", std::to_string(total));
  out.headers.emplace_back("X-Pagination-Size", std::to_string(size));
  if (pages) out.headers.emplace_back("X-Pagination-Number", std::to_string(number));
  if (cursor && last < total)
    out.headers.emplace_back("X-Pagination-Cursor-Next", std::to_string(last));
  return out;
}

// ---- HA-NAS -----------------------------------------------------------------------------------

// Adds one route of the API: its method, path template and handler.
using AddRoute = std::function<void(const char* method, const std::string& path, Handler)>;

// ---- the two APIs' common ground ------------------------------------------------------------

// What HA-NAS and Enterprise File Storage each build on: the emulator's clock and async delay, and
// the hook that brings the whole API (both halves) up to now.
class ApiPart {
 protected:
  ApiPart(EmuContext& ctx, std::function<void()> advance_all)
      : ctx_(ctx), advance_all_(std::move(advance_all)) {}

  std::int64_t now_us() const { return ctx_.now_unix_us(); }
  std::int64_t delay_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(ctx_.async_delay()).count();
  }
  void advance() { advance_all_(); }

  EmuContext& ctx_;
  std::function<void()> advance_all_;
};

// ---- state files ------------------------------------------------------------------------------

std::string str(const rapidjson::Value& v, const char* name, const std::string& fallback = "");
std::optional<std::string> opt_str(const rapidjson::Value& v, const char* name);
std::int64_t num(const rapidjson::Value& v, const char* name, std::int64_t fallback = 0);
double dbl(const rapidjson::Value& v, const char* name, double fallback = 0);
bool flag(const rapidjson::Value& v, const char* name, bool fallback);
const rapidjson::Value* arr(const rapidjson::Value& v, const char* name);
std::optional<std::int64_t> date_us(const rapidjson::Value& v, const char* name);
std::optional<std::vector<int>> ints(const rapidjson::Value& v, const char* name);
rapidjson::Value string_value(const std::string& s, Alloc& alloc);
rapidjson::Value opt_value(const std::optional<std::string>& s, Alloc& alloc);
rapidjson::Value int_list_value(const std::optional<std::vector<int>>& v, Alloc& alloc);

}  // namespace snapfs::emu::ovh
