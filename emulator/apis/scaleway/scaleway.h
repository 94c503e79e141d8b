// The Scaleway emulator's model and its shared pieces: the objects (Instance and Block volumes and
// snapshots) per zone, their JSON answers, the errors, the request readers, and the module class.
// The module's core (routing, tokens, asynchronous states) is in emulator/apis/scaleway.cc; the
// Instance routes, the Block routes, the seeds and the state file are in the files beside this one.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "emulator/api_module.h"

namespace snapfs::emu::scaleway {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using Alloc = rapidjson::Document::AllocatorType;
using JsonValue = rapidjson::Value;

constexpr char kDemoSecretKey[] = "00000000-0000-4000-8000-000000000001";
constexpr char kDemoProject[] = "00000000-0000-4000-8000-0000000000aa";
constexpr char kPlaceholderTaskId[] = "00000000-0000-0000-0000-000000000000";
constexpr std::int64_t kGB = 1000000000;
constexpr std::int64_t kDefaultImportSize = 1073741824;  // the recorded Instance import size
constexpr int kMaxPageSize = 100;
constexpr int kDefaultPageSize = 50;

// Instance serves all ten zones; Block the nine without it-mil-1 (spec 1.4). The synthetic seed
// takes its services from the front of the Block list.
const std::vector<std::string>& block_zones();

bool is_block_zone(const std::string& zone);

bool is_instance_zone(const std::string& zone);

std::string region_of(const std::string& zone);

std::string instance_time(std::int64_t us);
std::string block_time(std::int64_t us);

// ---------------------------------------------------------------------------------------------
// Data

struct Credential {
  std::string secret_key;
  std::string project_id;
  std::string organization_id;
};

// A state change applied lazily once the emulator's clock reaches `at_us` (0: none pending).
struct Pending {
  std::int64_t at_us = 0;
  std::string to;
};

struct InstanceVolume {
  std::string id, name, zone, volume_type = "l_ssd", project, organization;
  std::string server_id, server_name;  // empty id: detached
  std::int64_t size = 0;
  std::string state = "available";
  std::int64_t created_us = 0, modified_us = 0;
  std::vector<std::string> tags;
  Pending pending;
};

struct InstanceSnapshot {
  std::string id, name, zone, volume_type = "l_ssd", project, organization;
  std::int64_t size = 0;
  std::string state = "available";
  std::string base_volume_id, base_volume_name;  // empty id: none (an import)
  std::int64_t created_us = 0, modified_us = 0;
  std::vector<std::string> tags;
  Pending pending;
};

struct BlockReference {
  std::string id, product_resource_type, product_resource_id, type = "link", status = "attached";
  std::int64_t created_us = 0;
};

struct BlockVolume {
  std::string id, name, zone, type = "sbs_5k", project_id, status = "available";
  std::string parent_snapshot_id;  // empty: null
  std::int64_t size = 0;
  int perf_iops = 5000;
  std::int64_t created_us = 0, updated_us = 0;
  std::vector<std::string> tags;
  std::vector<BlockReference> references;
};

struct BlockSnapshot {
  std::string id, name, zone, project_id, status = "available";
  std::string parent_volume_id, parent_volume_name, parent_volume_type;  // empty id: none
  std::int64_t size = 0;
  std::int64_t created_us = 0, updated_us = 0;
  std::vector<std::string> tags;
  std::vector<BlockReference> references;
  bool is_public = false;
  Pending pending;
};

inline const std::string& parent_of(const InstanceSnapshot& s) {
  return s.base_volume_id;
}
inline const std::string& parent_of(const BlockSnapshot& s) {
  return s.parent_volume_id;
}
template <typename T>
const std::string& parent_of(const T&) {
  static const std::string none;
  return none;
}

template <typename T>
bool created_before(const T* a, const T* b) {
  return a->created_us != b->created_us ? a->created_us < b->created_us : a->id < b->id;
}

template <typename T>
bool name_before(const T* a, const T* b) {
  return a->name != b->name ? a->name < b->name : created_before(a, b);
}

// The objects of one kind in one zone: an id index, the creation order (what lists walk), the
// creation order per parent volume, and a name order built on demand. Sized for 100,000s of
// snapshots: no list request sorts or scans more than the objects it may return.
template <typename T>
class Collection {
 public:
  T* find(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.get();
  }

  // `keep_sorted` false appends; a bulk load then calls sort() once.
  T* add(std::unique_ptr<T> item, bool keep_sorted = true) {
    erase(item->id);
    T* raw = item.get();
    by_id_[raw->id] = std::move(item);
    const std::string& parent = parent_of(*raw);
    if (keep_sorted) {
      insert_sorted(order_, raw);
      if (!parent.empty()) insert_sorted(by_parent_[parent], raw);
    } else {
      order_.push_back(raw);
      if (!parent.empty()) by_parent_[parent].push_back(raw);
    }
    by_name_valid_ = false;
    return raw;
  }

  void sort() {
    std::sort(order_.begin(), order_.end(), created_before<T>);
    for (auto& [parent, items] : by_parent_) {
      std::sort(items.begin(), items.end(), created_before<T>);
    }
    by_name_valid_ = false;
  }

  bool erase(const std::string& id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    T* raw = it->second.get();
    remove_sorted(order_, raw);
    const std::string& parent = parent_of(*raw);
    if (!parent.empty()) {
      auto p = by_parent_.find(parent);
      if (p != by_parent_.end()) {
        remove_sorted(p->second, raw);
        if (p->second.empty()) by_parent_.erase(p);
      }
    }
    by_name_valid_ = false;
    by_id_.erase(it);
    return true;
  }

  const std::vector<T*>& in_order() const { return order_; }

  const std::vector<T*>& children(const std::string& parent) const {
    static const std::vector<T*> none;
    auto it = by_parent_.find(parent);
    return it == by_parent_.end() ? none : it->second;
  }

  const std::vector<T*>& by_name() const {
    if (!by_name_valid_) {
      by_name_ = order_;
      std::sort(by_name_.begin(), by_name_.end(), name_before<T>);
      by_name_valid_ = true;
    }
    return by_name_;
  }

  void names_changed() { by_name_valid_ = false; }
  bool empty() const { return order_.empty(); }

 private:
  static void insert_sorted(std::vector<T*>& v, T* item) {
    v.insert(std::upper_bound(v.begin(), v.end(), item, created_before<T>), item);
  }
  static void remove_sorted(std::vector<T*>& v, T* item) {
    auto it = std::lower_bound(v.begin(), v.end(), item, created_before<T>);
    if (it != v.end() && *it == item) {
      v.erase(it);
    } else {
      v.erase(std::remove(v.begin(), v.end(), item), v.end());
    }
  }

  std::unordered_map<std::string, std::unique_ptr<T>> by_id_;
  std::vector<T*> order_;
  std::unordered_map<std::string, std::vector<T*>> by_parent_;
  mutable std::vector<T*> by_name_;
  mutable bool by_name_valid_ = false;
};

struct ZoneData {
  Collection<InstanceVolume> instance_volumes;
  Collection<InstanceSnapshot> instance_snapshots;
  Collection<BlockVolume> block_volumes;
  Collection<BlockSnapshot> block_snapshots;
};

// ---------------------------------------------------------------------------------------------
// JSON output

template <typename Fill>
std::string json_text(Fill&& fill) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  fill(w);
  return std::string(buf.GetString(), buf.GetSize());
}

void put(JsonWriter& w, const char* key, const std::string& value);
void put(JsonWriter& w, const char* key, const char* value);
void put_int(JsonWriter& w, const char* key, std::int64_t value);
void put_null(JsonWriter& w, const char* key);
void put_tags(JsonWriter& w, const char* key, const std::vector<std::string>& tags);

void write_instance_volume(JsonWriter& w, const InstanceVolume& v);

void write_instance_snapshot(JsonWriter& w, const InstanceSnapshot& s, const ZoneData& zone);

void write_task(JsonWriter& w, const std::string& href_from, const std::string& href_result,
                const std::string& zone, std::int64_t started_us);

void write_block_references(JsonWriter& w, const std::vector<BlockReference>& refs);

void write_block_volume(JsonWriter& w, const BlockVolume& v);

void write_block_snapshot(JsonWriter& w, const BlockSnapshot& s, const ZoneData& zone, bool alpha);

// ---------------------------------------------------------------------------------------------
// Errors (spec 6.3)

EmuResponse json_answer(int status, std::string body);

EmuResponse denied();

EmuResponse instance_not_found(const char* resource, const std::string& id);

EmuResponse block_not_found(const char* resource, const std::string& id);

EmuResponse unknown_zone(const std::string& zone);

// reason: "required", "format" or "constraint".
EmuResponse invalid_argument(const std::string& argument, const char* reason,
                             const std::string& help);

EmuResponse invalid_request(const std::string& message);

EmuResponse transient_state(const char* resource, const std::string& id, const std::string& state);

EmuResponse still_in_use(const std::string& help);

// ---------------------------------------------------------------------------------------------
// Request reading. Each reader returns an error answer when the client sent something unusable.

using MaybeError = std::optional<EmuResponse>;
using StringField = std::pair<const char*, std::optional<std::string>*>;

MaybeError parse_object(const std::string& body, rapidjson::Document* doc);

MaybeError read_string(const JsonValue& obj, const char* key, std::optional<std::string>* out);

MaybeError read_tags(const JsonValue& obj, const char* key,
                     std::optional<std::vector<std::string>>* out);

MaybeError read_bool(const JsonValue& obj, const char* key, std::optional<bool>* out);

MaybeError read_size(const JsonValue& obj, const char* key, std::optional<std::int64_t>* out);

// An integer query parameter in [min, max]; `def` when absent or empty.
MaybeError read_page_param(const EmuRequest& req, const char* key, int min, int max, int def,
                           int* out);

std::vector<std::string> split_on(const std::string& text, char separator);

bool has_tag(const std::vector<std::string>& tags, const std::string& tag);

bool has_all_tags(const std::vector<std::string>& tags, const std::vector<std::string>& wanted);

bool has_any_tag(const std::vector<std::string>& tags, const std::vector<std::string>& wanted);

bool name_matches(const std::string& name, const std::string& filter);

std::vector<std::string> query_values(const EmuRequest& req, const std::string& key);

// One page of the objects of `base` (walked forwards or backwards) that pass `keep`.
template <typename T, typename Keep>
std::vector<const T*> select_page(const std::vector<T*>& base, bool reverse, bool filtered,
                                  Keep&& keep, int page, int page_size, std::int64_t* total) {
  std::vector<const T*> out;
  const std::int64_t first = static_cast<std::int64_t>(page - 1) * page_size;
  const std::int64_t last = first + page_size;
  const std::int64_t n = static_cast<std::int64_t>(base.size());
  auto at = [&](std::int64_t i) { return reverse ? base[n - 1 - i] : base[i]; };
  if (!filtered) {
    *total = n;
    for (std::int64_t i = first; i < std::min(last, n); ++i) out.push_back(at(i));
    return out;
  }
  std::int64_t index = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const T* item = at(i);
    if (!keep(*item)) continue;
    if (index >= first && index < last) out.push_back(item);
    ++index;
  }
  *total = index;
  return out;
}

// The query of the Instance Link header: "page=P&per_page=N&" then the client's other parameters
// exactly as sent (so with no filters the query ends in a bare '&', as recorded).
std::string link_filters(const std::string& raw_query);

std::string instance_link(const std::string& resource, int page, int per_page, std::int64_t total,
                          const std::string& filters);

// A date of the seeds.
std::int64_t at(const char* rfc3339);

// ---------------------------------------------------------------------------------------------
// The module

class ScalewayModule final : public ApiModule {
 public:
  explicit ScalewayModule(EmuContext& ctx) : ctx_(ctx) { clear(); }

  std::string name() const override { return "scaleway"; }
  void register_routes(
      const std::function<void(const std::string&, const std::string&, Handler)>& add) override;
  void seed_demo() override;
  void seed_synthetic(const SyntheticSpec& spec) override;
  void load(const rapidjson::Value& section) override;
  void dump(rapidjson::Value& out, Alloc& alloc) const override;
  EmuResponse fault_response(int status) const override;

 private:
  enum class Api { kInstance, kBlock, kBlockAlpha };
  enum class Kind { kInstanceVolume, kInstanceSnapshot, kBlockSnapshot };
  struct DueRef {
    Kind kind;
    std::string zone;
    std::string id;
  };
  // What a zone route handler gets once the token and the zone are checked.
  struct Call {
    const EmuRequest& req;
    ZoneData& zone;
    const std::string& zone_name;
    const Credential& cred;
    Api api;
    const std::string& param(const char* name) const { return req.path_params.at(name); }
  };
  using ZoneHandler = EmuResponse (ScalewayModule::*)(const Call&);

  Handler bind(Api api, ZoneHandler fn);
  const Credential* authenticate(const EmuRequest& req) const;
  void clear();
  void apply_due(std::int64_t now_us);
  void schedule(Kind kind, const std::string& zone, const std::string& id, Pending* pending,
                std::int64_t at_us, const std::string& to);
  void rebuild_due();
  void sort_all();

  EmuResponse list_instance_volumes(const Call& c);
  EmuResponse get_instance_volume(const Call& c);
  EmuResponse update_instance_volume(const Call& c);
  EmuResponse list_instance_snapshots(const Call& c);
  EmuResponse create_instance_snapshot(const Call& c);
  EmuResponse get_instance_snapshot(const Call& c);
  EmuResponse update_instance_snapshot(const Call& c);
  EmuResponse set_instance_snapshot(const Call& c);
  EmuResponse delete_instance_snapshot(const Call& c);
  EmuResponse export_instance_snapshot(const Call& c);
  EmuResponse edit_instance_snapshot(const Call& c, bool replace);
  EmuResponse instance_snapshot_answer(int status, const InstanceSnapshot& s, const ZoneData& z);

  EmuResponse list_block_volumes(const Call& c);
  EmuResponse get_block_volume(const Call& c);
  EmuResponse update_block_volume(const Call& c);
  EmuResponse list_block_snapshots(const Call& c);
  EmuResponse create_block_snapshot(const Call& c);
  EmuResponse get_block_snapshot(const Call& c);
  EmuResponse update_block_snapshot(const Call& c);
  EmuResponse delete_block_snapshot(const Call& c);
  EmuResponse export_block_snapshot(const Call& c);
  EmuResponse import_block_snapshot(const Call& c);
  EmuResponse block_snapshot_answer(const Call& c, const BlockSnapshot& s);

  InstanceVolume* add_instance_volume(const std::string& zone, const std::string& id,
                                      const std::string& name, std::int64_t size,
                                      const std::string& server, std::int64_t created,
                                      bool keep_sorted = true);
  InstanceSnapshot* add_instance_snapshot(const std::string& zone, const std::string& id,
                                          const InstanceVolume& volume, const std::string& name,
                                          std::int64_t created, const std::string& state,
                                          std::vector<std::string> tags, bool keep_sorted = true);
  BlockVolume* add_block_volume(const std::string& zone, const std::string& id,
                                const std::string& name, const std::string& type, std::int64_t size,
                                const std::string& server, std::int64_t created,
                                bool keep_sorted = true);
  BlockSnapshot* add_block_snapshot(const std::string& zone, const std::string& id,
                                    const BlockVolume& volume, const std::string& name,
                                    std::int64_t created, const std::string& status,
                                    std::vector<std::string> tags, bool keep_sorted = true);

  EmuContext& ctx_;
  std::vector<Credential> credentials_;
  std::map<std::string, ZoneData> zones_;
  std::multimap<std::int64_t, DueRef> due_;
};

}  // namespace snapfs::emu::scaleway
