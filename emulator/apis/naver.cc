// NAVER Cloud NAS, Classic (/server/v2/<action>) and VPC (/vnas/v2/<action>), as described in
// specs/naver-api.md: GET with query parameters or POST with a form body, API Gateway signature
// v2 (header -v2 or -v1), XML answers by default and JSON with responseFormatType=json.
//
// Behaviour the public documents leave open, as this emulator defines it:
// - Authentication: the timestamp must be within 5 minutes of the emulator's clock; the
//   signature is checked against "METHOD raw-target" and against the same target with its query
//   percent-decoded. Any failure is HTTP 401, API Gateway error 200 "Authentication Failed"
//   (JSON; for XML requests <Message><error>...</error></Message>).
// - Business errors are HTTP 400 with a responseError body. Codes:
//     24109  unknown nasVolumeInstanceNo (the real code of the NCP SDK tests)
//     35101  no snapshot of that name                        (emulator-defined)
//     35102  the snapshot is busy (isBusy=true)               (emulator-defined)
//     35103  snapshots are off: snapshotVolumeConfigurationRatio is 0 (emulator-defined)
//     35104  snapshot capacity exceeded, nothing could be evicted      (emulator-defined)
//     35105  missing or invalid parameter                     (emulator-defined)
// - createNasVolumeSnapshot names the snapshot now.YYYYMMDD.HHMMSS in KST (+0900) from the
//   emulator's clock; when that name is taken (two creates in one second) the next free second
//   is used, and createDate matches the name. The snapshot has isBusy=true for --async-ms, then
//   false. Its size is the volume's `newSnapshotSize` (state field, default 0).
// - Capacity: a volume reserves snapshotVolumeSize = volumeTotalSize * ratio / 100 bytes
//   (volumeSize is the rest). Before a create, the oldest snapshots that are not busy are
//   deleted until the existing snapshots plus the new one fit; if they cannot fit, the create
//   fails with 35104 and nothing changes. Lowering the ratio deletes the oldest non-busy
//   snapshots until the rest fit (ratio 0 deletes all of them).
// - changeNasVolumeSnapshotConfiguration without snapshotVolumeConfigDayOfWeekTypeCode turns
//   automatic snapshots off and keeps the ratio; a day code with ratio 0 is refused (35105).
//   Automatic snapshots are not taken by the emulator.
// - VPC getNasVolumeInstanceList pages with pageNo/pageSize; totalRows is the number of volumes
//   matching the filters (all pages). Without regionCode it lists region KR. Classic lists every
//   region unless regionNo is given. Classic also answers getRegionList.
// - Seeded snapshots may be busy for ever ("busy": true in the state).
//
// State section "naver" (seed files use the same shape; times are Unix seconds):
//   {"credentials": [{"accessKey": ..., "secretKey": ...}],
//    "platforms": {"classic"|"vpc": {"regions": [{"regionNo", "regionCode", "regionName"}],
//      "volumes": [{"nasVolumeInstanceNo", "volumeName", "regionCode", "zoneCode", "description",
//        "protocol", "created", "volumeTotalSize", "snapshotVolumeConfigurationRatio",
//        "snapshotVolumeConfigDayOfWeekTypeCode", "snapshotVolumeConfigTime", "newSnapshotSize",
//        "snapshots": [{"name", "created", "size", "busy", "busyUntilUs"}], "history": [...]}]}}}
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <tinyxml2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/emu_util.h"
#include "httplib.h"

namespace snapfs::emu {
namespace {

using Alloc = rapidjson::Document::AllocatorType;
using Params = std::multimap<std::string, std::string>;

constexpr std::int64_t kKstOffsetSeconds = 9 * 3600;
constexpr std::int64_t kTimestampWindowMs = 5 * 60 * 1000;

namespace code {
constexpr const char* kInvalidInstanceNo = "24109";
constexpr const char* kSnapshotNotFound = "35101";
constexpr const char* kSnapshotBusy = "35102";
constexpr const char* kSnapshotsDisabled = "35103";
constexpr const char* kSnapshotCapacity = "35104";
constexpr const char* kInvalidParameter = "35105";
}  // namespace code

struct NasSnapshot {
  std::string name;
  std::int64_t created = 0;  // Unix seconds
  std::uint64_t size = 0;
  bool busy_forever = false;
  std::int64_t busy_until_us = 0;
};

struct NasHistory {
  std::string sequence_no;
  std::string type;  // CREAT, CHG, DEL
  std::string ip;
  std::int64_t date = 0;
  int ratio = 0;
  std::optional<int> day;
  int hour = 0;
};

struct NasVolume {
  std::string no;
  std::string name;
  std::string region;
  std::string zone;
  std::string description;
  std::string protocol = "NFS";
  std::string mount_ip = "10.250.53.74";
  std::int64_t created = 0;
  std::uint64_t total_size = 0;
  int ratio = 0;
  std::optional<int> day;  // -1 daily, 0..6 weekly
  int hour = 0;
  std::uint64_t new_snapshot_size = 0;
  std::vector<NasSnapshot> snapshots;  // oldest first
  std::vector<NasHistory> history;     // oldest first

  std::uint64_t reserve() const { return total_size / 100 * static_cast<std::uint64_t>(ratio); }
  std::uint64_t used() const {
    std::uint64_t sum = 0;
    for (const auto& s : snapshots) sum += s.size;
    return sum;
  }
};

struct Region {
  std::string no;
  std::string code;
  std::string name;
};

struct Platform {
  std::vector<Region> regions;
  std::vector<NasVolume> volumes;
};

struct Credential {
  std::string access_key;
  std::string secret_key;
};

struct KnownRegion {
  const char* code;
  const char* no;
  const char* name;
};
constexpr KnownRegion kKnownRegions[] = {{"KR", "1", "Korea"},
                                         {"SGN", "5", "Singapore"},
                                         {"JPN", "7", "Japan"},
                                         {"USWN", "2", "US-West"},
                                         {"DEN", "6", "Germany"}};

// ---- small helpers --------------------------------------------------------------------------

std::string kst_format(std::int64_t unix_seconds, const char* pattern) {
  std::time_t t = static_cast<std::time_t>(unix_seconds + kKstOffsetSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

std::string kst_date(std::int64_t unix_seconds) {
  return kst_format(unix_seconds, "%Y-%m-%dT%H:%M:%S+0900");
}

std::string snapshot_name_at(std::int64_t unix_seconds) {
  return kst_format(unix_seconds, "now.%Y%m%d.%H%M%S");
}

std::optional<std::int64_t> to_int(const std::string& text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// Whole numbers written as "10" or "10.0".
std::optional<std::int64_t> to_whole(const std::string& text) {
  if (auto v = to_int(text)) return v;
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || std::floor(d) != d) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

std::string param(const Params& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? "" : it->second;
}

bool has_param(const Params& p, const std::string& name) {
  return p.find(name) != p.end();
}

// Values of a 1-based list parameter (name.1, name.2, ...), in index order.
std::vector<std::string> list_param(const Params& p, const std::string& name) {
  std::vector<std::string> out;
  for (int i = 1;; ++i) {
    auto it = p.find(name + "." + std::to_string(i));
    if (it == p.end()) break;
    out.push_back(it->second);
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string hmac_base64(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

rapidjson::Value str(const std::string& s, Alloc& a) {
  return rapidjson::Value(s, a);
}

rapidjson::Value common_code(const std::string& c, const std::string& name, Alloc& a) {
  rapidjson::Value v(rapidjson::kObjectType);
  v.AddMember("code", str(c, a), a);
  v.AddMember("codeName", str(name, a), a);
  return v;
}

std::string day_name(int day) {
  static const char* const kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
  return day == -1 ? "Every day" : kNames[day];
}

// ---- XML and JSON rendering of one answer ----------------------------------------------------

void append_xml(tinyxml2::XMLDocument& doc, tinyxml2::XMLNode* parent, const std::string& name,
                const rapidjson::Value& v) {
  tinyxml2::XMLElement* e = doc.NewElement(name.c_str());
  parent->InsertEndChild(e);
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) append_xml(doc, e, m.name.GetString(), m.value);
  } else if (v.IsArray()) {
    std::string item = name.size() > 4 && name.compare(name.size() - 4, 4, "List") == 0
                           ? name.substr(0, name.size() - 4)
                           : name + "Item";
    for (const auto& x : v.GetArray()) append_xml(doc, e, item, x);
  } else if (v.IsString()) {
    if (v.GetStringLength() > 0) e->SetText(v.GetString());
  } else if (v.IsBool()) {
    e->SetText(v.GetBool() ? "true" : "false");
  } else if (v.IsDouble()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v.GetDouble());
    e->SetText(buf);
  } else if (v.IsInt64()) {
    e->SetText(std::to_string(v.GetInt64()).c_str());
  } else if (v.IsUint64()) {
    e->SetText(std::to_string(v.GetUint64()).c_str());
  }
}

std::string render_xml(const std::string& root, const rapidjson::Value& body, bool declaration) {
  tinyxml2::XMLDocument doc;
  if (declaration) doc.InsertFirstChild(doc.NewDeclaration());
  append_xml(doc, &doc, root, body);
  tinyxml2::XMLPrinter printer;
  doc.Print(&printer);
  std::string out = printer.CStr();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// {"<root>": {...}} with one space after the colon and no trailing newline, as NCP sends it
// (the Go SDK's unwrapping depends on that space).
std::string render_json(const std::string& root, const rapidjson::Value& body) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key(root.c_str(), static_cast<rapidjson::SizeType>(root.size()));
  body.Accept(writer);
  writer.EndObject();
  std::string out(buffer.GetString(), buffer.GetSize());
  std::size_t colon = out.find("\":");
  if (colon != std::string::npos) out.insert(colon + 2, " ");
  return out;
}

EmuResponse reply(int status, const std::string& root, const rapidjson::Value& body, bool json,
                  bool declaration = true) {
  if (json) return EmuResponse::json(status, render_json(root, body));
  return EmuResponse::json(status, render_xml(root, body, declaration), "application/xml");
}

EmuResponse service_error(const std::string& return_code, const std::string& message, bool json) {
  rapidjson::Document body(rapidjson::kObjectType);
  body.AddMember("returnCode", str(return_code, body.GetAllocator()), body.GetAllocator());
  body.AddMember("returnMessage", str(message, body.GetAllocator()), body.GetAllocator());
  return reply(400, "responseError", body, json, false);
}

// An API Gateway error body for an HTTP status, with the gateway's errorCode for it.
EmuResponse gateway_error(int status, bool json) {
  static const std::map<int, std::pair<const char*, const char*>> kCodes = {
      {400, {"100", "Bad Request Exception"}},
      {401, {"200", "Authentication Failed"}},
      {403, {"230", "Forbidden"}},
      {404, {"300", "Not Found Exception"}},
      {413, {"430", "Request Entity Too Large"}},
      {429, {"420", "Rate Limited"}},
      {503, {"500", "Endpoint Error"}},
      {504, {"510", "Endpoint Timeout"}}};
  auto it = kCodes.find(status);
  std::pair<const char*, const char*> entry =
      it != kCodes.end() ? it->second : std::make_pair("900", "Unexpected Error");
  rapidjson::Document root(rapidjson::kObjectType);
  Alloc& a = root.GetAllocator();
  rapidjson::Value inner(rapidjson::kObjectType);
  inner.AddMember("errorCode", rapidjson::StringRef(entry.first), a);
  inner.AddMember("message", rapidjson::StringRef(entry.second), a);
  root.AddMember("error", inner, a);
  if (json) return EmuResponse::json(status, to_json(root));
  return EmuResponse::json(status, render_xml("Message", root, false), "application/xml");
}

// An answer body that starts like every NAS answer.
rapidjson::Document success_body(const std::string& request_id) {
  rapidjson::Document body(rapidjson::kObjectType);
  Alloc& a = body.GetAllocator();
  body.AddMember("requestId", str(request_id, a), a);
  body.AddMember("returnCode", "0", a);
  body.AddMember("returnMessage", "success", a);
  return body;
}

// ---- the module -----------------------------------------------------------------------------

class NaverModule : public ApiModule {
 public:
  explicit NaverModule(EmuContext& ctx) : ctx_(ctx) { clear(); }

  std::string name() const override { return "naver"; }

  void register_routes(
      const std::function<void(const std::string&, const std::string&, Handler)>& add) override {
    static const char* const kCommon[] = {"getNasVolumeInstanceList",
                                          "getNasVolumeSnapshotList",
                                          "createNasVolumeSnapshot",
                                          "deleteNasVolumeSnapshot",
                                          "restoreNasVolumeWithSnapshot",
                                          "changeNasVolumeSnapshotConfiguration",
                                          "getNasVolumeSnapshotConfigurationHistoryList"};
    for (bool classic : {true, false}) {
      std::vector<std::string> actions(std::begin(kCommon), std::end(kCommon));
      actions.push_back(classic ? "getRegionList" : "getNasVolumeInstanceDetail");
      const std::string prefix = classic ? "/server/v2/" : "/vnas/v2/";
      for (const std::string& action : actions) {
        for (const char* method : {"GET", "POST"}) {
          add(method, prefix + action, [this, classic, action](const EmuRequest& req) {
            return handle(classic, action, req);
          });
        }
      }
    }
  }

  void seed_demo() override;
  void seed_synthetic(const SyntheticSpec& spec) override;
  void load(const rapidjson::Value& section) override;
  void dump(rapidjson::Value& out, Alloc& alloc) const override;

  // A fault status answers as the API Gateway does (specs/naver-api.md 5.1).
  EmuResponse fault_response(int status) const override { return gateway_error(status, true); }

  std::string garbage_body() const override {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<getNasVolumeSnapshotListResponse>"
           "<returnCode>0</retu";
  }

 private:
  EmuResponse handle(bool classic, const std::string& action, const EmuRequest& req);
  bool authenticated(const EmuRequest& req) const;

  EmuResponse region_list(const Platform& p, bool json);
  EmuResponse volume_list(bool classic, Platform& p, const Params& in, bool json);
  EmuResponse volume_detail(bool classic, Platform& p, const Params& in, bool json);
  EmuResponse snapshot_list(NasVolume& v, const std::string& action, bool json);
  EmuResponse create_snapshot(NasVolume& v, bool json);
  EmuResponse delete_snapshot(NasVolume& v, const Params& in, bool json);
  EmuResponse restore_snapshot(NasVolume& v, const Params& in, bool json);
  EmuResponse change_configuration(bool classic, Platform& p, NasVolume& v, const Params& in,
                                   bool json);
  EmuResponse history_list(const NasVolume& v, bool json);

  rapidjson::Value volume_json(bool classic, const Platform& p, const NasVolume& v, Alloc& a) const;
  rapidjson::Value snapshot_json(const NasSnapshot& s, Alloc& a) const;
  EmuResponse volume_answer(bool classic, const Platform& p, const std::string& action,
                            const std::vector<const NasVolume*>& volumes, std::size_t total,
                            bool json);
  NasVolume* find_volume(Platform& p, const std::string& no);
  const Region* find_region_by_code(const Platform& p, const std::string& code) const;
  bool busy(const NasSnapshot& s) const {
    return s.busy_forever || s.busy_until_us > ctx_.now_unix_us();
  }
  std::string next_instance_no() { return std::to_string(next_instance_no_++); }
  void add_history(NasVolume& v, const std::string& type);
  void clear();
  void seed_platform_regions(Platform& p, int count);

  EmuContext& ctx_;
  std::vector<Credential> credentials_;
  Platform classic_;
  Platform vpc_;
  std::int64_t next_instance_no_ = 1000001;
  std::int64_t next_history_no_ = 5000;
};

bool NaverModule::authenticated(const EmuRequest& req) const {
  std::string timestamp = req.header("x-ncp-apigw-timestamp");
  std::string access_key = req.header("x-ncp-iam-access-key");
  std::string signature = req.header("x-ncp-apigw-signature-v2");
  if (signature.empty()) signature = req.header("x-ncp-apigw-signature-v1");
  auto ts = to_int(timestamp);
  if (!ts || access_key.empty() || signature.empty()) return false;
  std::int64_t now_ms = ctx_.now_unix_us() / 1000;
  if (std::llabs(now_ms - *ts) > kTimestampWindowMs) return false;
  const Credential* cred = nullptr;
  for (const auto& c : credentials_) {
    if (c.access_key == access_key) cred = &c;
  }
  if (cred == nullptr) return false;
  std::string target = req.raw_target;
  if (target.empty()) target = req.path + (req.raw_query.empty() ? "" : "?" + req.raw_query);
  std::vector<std::string> uris = {target};
  if (!req.raw_query.empty()) {
    std::string raw_path = target.substr(0, target.find('?'));
    uris.push_back(raw_path + "?" + httplib::detail::decode_url(req.raw_query, false));
  }
  for (const std::string& uri : uris) {
    std::string message = req.method + " " + uri + "\n" + timestamp + "\n" + access_key;
    if (same_secret(hmac_base64(cred->secret_key, message), signature)) return true;
  }
  return false;
}

EmuResponse NaverModule::handle(bool classic, const std::string& action, const EmuRequest& req) {
  Params in = req.query;
  std::string content_type = lower(req.header("content-type"));
  if (req.method == "POST" && !req.body.empty() &&
      (content_type.empty() ||
       content_type.find("application/x-www-form-urlencoded") != std::string::npos)) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    for (const auto& [key, value] : form) {
      // The core may have merged the form already; a parameter counts once.
      auto range = in.equal_range(key);
      bool seen = std::any_of(range.first, range.second,
                              [&](const auto& kv) { return kv.second == value; });
      if (!seen) in.emplace(key, value);
    }
  }
  const bool json = lower(param(in, "responseFormatType")) == "json";
  if (!authenticated(req)) return gateway_error(401, json);

  Platform& p = classic ? classic_ : vpc_;
  if (action == "getRegionList") return region_list(p, json);
  if (action == "getNasVolumeInstanceList") return volume_list(classic, p, in, json);
  if (action == "getNasVolumeInstanceDetail") return volume_detail(classic, p, in, json);

  const std::string no = param(in, "nasVolumeInstanceNo");
  if (no.empty())
    return service_error(code::kInvalidParameter, "nasVolumeInstanceNo is required.", json);
  NasVolume* v = find_volume(p, no);
  std::string region = param(in, "regionCode");
  if (v == nullptr || (!classic && !region.empty() && region != v->region)) {
    return service_error(code::kInvalidInstanceNo,
                         "The input parameter instance number is invalid.", json);
  }
  if (action == "getNasVolumeSnapshotList") return snapshot_list(*v, action, json);
  if (action == "createNasVolumeSnapshot") return create_snapshot(*v, json);
  if (action == "deleteNasVolumeSnapshot") return delete_snapshot(*v, in, json);
  if (action == "restoreNasVolumeWithSnapshot") return restore_snapshot(*v, in, json);
  if (action == "changeNasVolumeSnapshotConfiguration") {
    return change_configuration(classic, p, *v, in, json);
  }
  return history_list(*v, json);
}

NasVolume* NaverModule::find_volume(Platform& p, const std::string& no) {
  for (auto& v : p.volumes) {
    if (v.no == no) return &v;
  }
  return nullptr;
}

const Region* NaverModule::find_region_by_code(const Platform& p, const std::string& code) const {
  for (const auto& r : p.regions) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

EmuResponse NaverModule::region_list(const Platform& p, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::int64_t>(p.regions.size()), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& r : p.regions) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("regionNo", str(r.no, a), a);
    item.AddMember("regionCode", str(r.code, a), a);
    item.AddMember("regionName", str(r.name, a), a);
    list.PushBack(item, a);
  }
  body.AddMember("regionList", list, a);
  return reply(200, "getRegionListResponse", body, json);
}

rapidjson::Value NaverModule::volume_json(bool classic, const Platform& p, const NasVolume& v,
                                          Alloc& a) const {
  rapidjson::Value o(rapidjson::kObjectType);
  o.AddMember("nasVolumeInstanceNo", str(v.no, a), a);
  o.AddMember("nasVolumeInstanceStatus", common_code("CREAT", "NAS create", a), a);
  o.AddMember("nasVolumeInstanceOperation", common_code("NULL", "NAS NULL OP", a), a);
  o.AddMember("nasVolumeInstanceStatusName", "created", a);
  o.AddMember("createDate", str(kst_date(v.created), a), a);
  o.AddMember(
      rapidjson::StringRef(classic ? "nasVolumeInstanceDescription" : "nasVolumeDescription"),
      str(v.description, a), a);
  o.AddMember("mountInformation", str(v.mount_ip + ":/" + v.name, a), a);
  o.AddMember("volumeAllotmentProtocolType", common_code(v.protocol, v.protocol, a), a);
  o.AddMember("volumeName", str(v.name, a), a);
  o.AddMember("volumeTotalSize", v.total_size, a);
  o.AddMember("volumeSize", v.total_size - v.reserve(), a);
  o.AddMember("snapshotVolumeConfigurationRatio", static_cast<double>(v.ratio), a);
  if (v.day) {
    o.AddMember("snapshotVolumeConfigPeriodType",
                *v.day == -1 ? common_code("DAY", "Daily", a) : common_code("WEEK", "Weekly", a),
                a);
    o.AddMember("snapshotVolumeConfigDayOfWeekType",
                common_code(std::to_string(*v.day), day_name(*v.day), a), a);
    o.AddMember("snapshotVolumeConfigTime", v.hour, a);
  }
  o.AddMember("snapshotVolumeSize", v.reserve(), a);
  o.AddMember("isSnapshotConfiguration", v.ratio > 0, a);
  o.AddMember("isEventConfiguration", false, a);
  if (classic) {
    const Region* r = find_region_by_code(p, v.region);
    std::string region_no = r ? r->no : "1";
    rapidjson::Value region(rapidjson::kObjectType);
    region.AddMember("regionNo", str(region_no, a), a);
    region.AddMember("regionCode", str(v.region, a), a);
    region.AddMember("regionName", str(r ? r->name : v.region, a), a);
    o.AddMember("region", region, a);
    rapidjson::Value zone(rapidjson::kObjectType);
    std::string zone_suffix =
        v.zone.substr(v.zone.find('-') == std::string::npos ? v.zone.size() : v.zone.find('-') + 1);
    zone.AddMember("zoneNo", str(region_no + zone_suffix, a), a);
    zone.AddMember("zoneName", str(v.zone, a), a);
    zone.AddMember("zoneCode", str(v.zone, a), a);
    zone.AddMember("zoneDescription", str(v.zone + " zone", a), a);
    zone.AddMember("regionNo", str(region_no, a), a);
    o.AddMember("zone", zone, a);
    o.AddMember("isReturnProtection", false, a);
    o.AddMember("nasVolumeInstanceCustomIpList", rapidjson::Value(rapidjson::kArrayType), a);
    o.AddMember("nasVolumeServerInstanceList", rapidjson::Value(rapidjson::kArrayType), a);
  } else {
    o.AddMember("regionCode", str(v.region, a), a);
    o.AddMember("zoneCode", str(v.zone, a), a);
    o.AddMember("nasVolumeServerInstanceNoList", rapidjson::Value(rapidjson::kArrayType), a);
    o.AddMember("isEncryptedVolume", false, a);
    o.AddMember("nasVolumeInstanceCustomIpList", rapidjson::Value(rapidjson::kArrayType), a);
    o.AddMember("isReturnProtection", false, a);
  }
  return o;
}

EmuResponse NaverModule::volume_answer(bool classic, const Platform& p, const std::string& action,
                                       const std::vector<const NasVolume*>& volumes,
                                       std::size_t total, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::uint64_t>(total), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const NasVolume* v : volumes) list.PushBack(volume_json(classic, p, *v, a), a);
  body.AddMember("nasVolumeInstanceList", list, a);
  return reply(200, action + "Response", body, json);
}

EmuResponse NaverModule::volume_list(bool classic, Platform& p, const Params& in, bool json) {
  std::string region;
  if (classic) {
    std::string region_no = param(in, "regionNo");
    if (!region_no.empty()) {
      for (const auto& r : p.regions) {
        if (r.no == region_no) region = r.code;
      }
      if (region.empty()) return service_error(code::kInvalidParameter, "Invalid regionNo.", json);
    }
  } else {
    region = param(in, "regionCode");
    if (region.empty()) region = "KR";
    if (find_region_by_code(p, region) == nullptr) {
      return service_error(code::kInvalidParameter, "Invalid regionCode: " + region + ".", json);
    }
  }
  std::vector<std::string> numbers = list_param(in, "nasVolumeInstanceNoList");
  std::string name = param(in, "volumeName");
  std::string zone = param(in, "zoneCode");
  std::string protocol = param(in, "volumeAllotmentProtocolTypeCode");
  std::string snapshot_conf = param(in, "isSnapshotConfiguration");
  std::vector<const NasVolume*> matches;
  for (const auto& v : p.volumes) {
    if (!region.empty() && v.region != region) continue;
    if (!numbers.empty() && std::find(numbers.begin(), numbers.end(), v.no) == numbers.end())
      continue;
    if (!name.empty() && v.name != name) continue;
    if (!zone.empty() && v.zone != zone) continue;
    if (!protocol.empty() && v.protocol != protocol) continue;
    if (!snapshot_conf.empty() && (v.ratio > 0) != (snapshot_conf == "true")) continue;
    matches.push_back(&v);
  }
  const bool by_name = param(in, "sortedBy") == "volumeName";
  const bool descending = lower(param(in, "sortingOrder")) == "desc";
  std::sort(matches.begin(), matches.end(), [&](const NasVolume* x, const NasVolume* y) {
    bool less = by_name
                    ? x->name < y->name
                    : (x->no.size() != y->no.size() ? x->no.size() < y->no.size() : x->no < y->no);
    bool greater =
        by_name ? y->name < x->name
                : (x->no.size() != y->no.size() ? x->no.size() > y->no.size() : y->no < x->no);
    return descending ? greater : less;
  });
  std::size_t total = matches.size();
  if (!classic && (has_param(in, "pageNo") || has_param(in, "pageSize"))) {
    if (has_param(in, "pageNo") && !has_param(in, "pageSize")) {
      return service_error(code::kInvalidParameter, "pageSize is required when pageNo is given.",
                           json);
    }
    auto page_no =
        has_param(in, "pageNo") ? to_int(param(in, "pageNo")) : std::optional<std::int64_t>(1);
    auto page_size = to_int(param(in, "pageSize"));
    if (!page_no || !page_size || *page_no < 1 || *page_size < 1) {
      return service_error(code::kInvalidParameter, "Invalid pageNo or pageSize.", json);
    }
    std::size_t begin = static_cast<std::size_t>((*page_no - 1) * *page_size);
    std::vector<const NasVolume*> page;
    for (std::size_t i = begin;
         i < matches.size() && page.size() < static_cast<std::size_t>(*page_size); ++i) {
      page.push_back(matches[i]);
    }
    matches.swap(page);
  }
  return volume_answer(classic, p, "getNasVolumeInstanceList", matches, total, json);
}

EmuResponse NaverModule::volume_detail(bool classic, Platform& p, const Params& in, bool json) {
  std::string no = param(in, "nasVolumeInstanceNo");
  if (no.empty())
    return service_error(code::kInvalidParameter, "nasVolumeInstanceNo is required.", json);
  NasVolume* v = find_volume(p, no);
  std::string region = param(in, "regionCode");
  if (v == nullptr || (!region.empty() && region != v->region)) {
    return service_error(code::kInvalidInstanceNo,
                         "The input parameter instance number is invalid.", json);
  }
  return volume_answer(classic, p, "getNasVolumeInstanceDetail", {v}, 1, json);
}

rapidjson::Value NaverModule::snapshot_json(const NasSnapshot& s, Alloc& a) const {
  rapidjson::Value o(rapidjson::kObjectType);
  o.AddMember("nasVolumeSnapshotName", str(s.name, a), a);
  o.AddMember("createDate", str(kst_date(s.created), a), a);
  o.AddMember("snapshotSize", s.size, a);
  o.AddMember("isBusy", busy(s), a);
  return o;
}

EmuResponse NaverModule::snapshot_list(NasVolume& v, const std::string& action, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::uint64_t>(v.snapshots.size()), a);
  rapidjson::Value list(rapidjson::kArrayType);
  list.Reserve(static_cast<rapidjson::SizeType>(v.snapshots.size()), a);
  for (auto it = v.snapshots.rbegin(); it != v.snapshots.rend(); ++it) {
    list.PushBack(snapshot_json(*it, a), a);
  }
  body.AddMember("nasVolumeSnapshotList", list, a);
  return reply(200, action + "Response", body, json);
}

EmuResponse NaverModule::create_snapshot(NasVolume& v, bool json) {
  if (v.ratio == 0) {
    return service_error(code::kSnapshotsDisabled,
                         "Snapshot is not available: the snapshot volume ratio of this NAS volume "
                         "is 0.",
                         json);
  }
  const std::uint64_t reserve = v.reserve();
  const std::uint64_t size = v.new_snapshot_size;
  // Oldest non-busy snapshots go first until the new one fits.
  std::vector<std::size_t> evict;
  std::uint64_t used = v.used();
  for (std::size_t i = 0; i < v.snapshots.size() && used + size > reserve; ++i) {
    if (busy(v.snapshots[i])) continue;
    used -= v.snapshots[i].size;
    evict.push_back(i);
  }
  if (used + size > reserve) {
    return service_error(code::kSnapshotCapacity,
                         "The snapshot capacity of the NAS volume is exceeded (" +
                             std::to_string(used + size) + " of " + std::to_string(reserve) +
                             " bytes).",
                         json);
  }
  for (auto it = evict.rbegin(); it != evict.rend(); ++it) {
    v.snapshots.erase(v.snapshots.begin() + static_cast<std::ptrdiff_t>(*it));
  }
  std::int64_t t = ctx_.now_unix();
  auto taken = [&](const std::string& n) {
    return std::any_of(v.snapshots.begin(), v.snapshots.end(),
                       [&](const NasSnapshot& s) { return s.name == n; });
  };
  while (taken(snapshot_name_at(t))) ++t;
  NasSnapshot s;
  s.name = snapshot_name_at(t);
  s.created = t;
  s.size = size;
  s.busy_until_us =
      ctx_.now_unix_us() +
      std::chrono::duration_cast<std::chrono::microseconds>(ctx_.async_delay()).count();
  auto pos = std::upper_bound(
      v.snapshots.begin(), v.snapshots.end(), s,
      [](const NasSnapshot& x, const NasSnapshot& y) { return x.created < y.created; });
  v.snapshots.insert(pos, s);
  return snapshot_list(v, "createNasVolumeSnapshot", json);
}

EmuResponse NaverModule::delete_snapshot(NasVolume& v, const Params& in, bool json) {
  std::string name = param(in, "nasVolumeSnapshotName");
  if (name.empty())
    return service_error(code::kInvalidParameter, "nasVolumeSnapshotName is required.", json);
  auto it = std::find_if(v.snapshots.begin(), v.snapshots.end(),
                         [&](const NasSnapshot& s) { return s.name == name; });
  if (it == v.snapshots.end()) {
    return service_error(code::kSnapshotNotFound, "The snapshot " + name + " does not exist.",
                         json);
  }
  if (busy(*it)) {
    return service_error(code::kSnapshotBusy,
                         "The snapshot " + name + " is busy and cannot be deleted now.", json);
  }
  v.snapshots.erase(it);
  return snapshot_list(v, "deleteNasVolumeSnapshot", json);
}

EmuResponse NaverModule::restore_snapshot(NasVolume& v, const Params& in, bool json) {
  std::string name = param(in, "nasVolumeSnapshotName");
  if (name.empty())
    return service_error(code::kInvalidParameter, "nasVolumeSnapshotName is required.", json);
  auto it = std::find_if(v.snapshots.begin(), v.snapshots.end(),
                         [&](const NasSnapshot& s) { return s.name == name; });
  if (it == v.snapshots.end()) {
    return service_error(code::kSnapshotNotFound, "The snapshot " + name + " does not exist.",
                         json);
  }
  if (busy(*it)) {
    return service_error(code::kSnapshotBusy, "The snapshot " + name + " is busy.", json);
  }
  v.snapshots.erase(it + 1, v.snapshots.end());  // later snapshots are lost, as NCP documents
  return snapshot_list(v, "restoreNasVolumeWithSnapshot", json);
}

void NaverModule::add_history(NasVolume& v, const std::string& type) {
  NasHistory h;
  h.sequence_no = std::to_string(next_history_no_++);
  h.type = type;
  h.ip = "127.0.0.1";
  h.date = ctx_.now_unix();
  h.ratio = v.ratio;
  h.day = v.day;
  h.hour = v.hour;
  v.history.push_back(h);
}

EmuResponse NaverModule::change_configuration(bool classic, Platform& p, NasVolume& v,
                                              const Params& in, bool json) {
  auto ratio = to_whole(param(in, "snapshotVolumeConfigurationRatio"));
  if (!ratio || *ratio < 0 || *ratio > 99) {
    return service_error(code::kInvalidParameter,
                         "snapshotVolumeConfigurationRatio must be an integer from 0 to 99.", json);
  }
  std::optional<int> day;
  int hour = 0;
  std::string day_text = param(in, "snapshotVolumeConfigDayOfWeekTypeCode");
  if (!day_text.empty()) {
    auto d = to_int(day_text);
    if (!d || *d < -1 || *d > 6) {
      return service_error(code::kInvalidParameter,
                           "snapshotVolumeConfigDayOfWeekTypeCode must be -1 to 6.", json);
    }
    auto h = to_int(param(in, "snapshotVolumeConfigTime"));
    if (!h || *h < 0 || *h > 23) {
      return service_error(code::kInvalidParameter,
                           "snapshotVolumeConfigTime (0-23) is required with a day of week.", json);
    }
    if (*ratio == 0) {
      return service_error(code::kInvalidParameter,
                           "Automatic snapshots need snapshotVolumeConfigurationRatio above 0.",
                           json);
    }
    day = static_cast<int>(*d);
    hour = static_cast<int>(*h);
  }
  const bool was_on = v.ratio > 0;
  v.ratio = static_cast<int>(*ratio);
  v.day = day;
  v.hour = hour;
  // Over the new reserve, the oldest snapshots go first.
  std::uint64_t used = v.used();
  for (std::size_t i = 0; i < v.snapshots.size() && used > v.reserve();) {
    if (busy(v.snapshots[i])) {
      ++i;
      continue;
    }
    used -= v.snapshots[i].size;
    v.snapshots.erase(v.snapshots.begin() + static_cast<std::ptrdiff_t>(i));
  }
  add_history(v, v.ratio == 0 ? "DEL" : (was_on ? "CHG" : "CREAT"));
  return volume_answer(classic, p, "changeNasVolumeSnapshotConfiguration", {&v}, 1, json);
}

EmuResponse NaverModule::history_list(const NasVolume& v, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::uint64_t>(v.history.size()), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (auto it = v.history.rbegin(); it != v.history.rend(); ++it) {
    const NasHistory& h = *it;
    static const std::map<std::string, std::string> kTypeNames = {
        {"CREAT", "Create"}, {"CHG", "Change"}, {"DEL", "Delete"}};
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("nasVolumeInstanceNo", str(v.no, a), a);
    o.AddMember("historySequenceNo", str(h.sequence_no, a), a);
    auto type_name = kTypeNames.find(h.type);
    o.AddMember("historyType",
                common_code(h.type, type_name == kTypeNames.end() ? h.type : type_name->second, a),
                a);
    o.AddMember("ip", str(h.ip, a), a);
    o.AddMember("registerDate", str(kst_date(h.date), a), a);
    o.AddMember("snapshotVolumeConfigurationRatio", static_cast<double>(h.ratio), a);
    if (h.day) {
      o.AddMember("snapshotVolumeConfigPeriodType",
                  *h.day == -1 ? common_code("DAY", "Daily", a) : common_code("WEEK", "Weekly", a),
                  a);
      o.AddMember("snapshotVolumeConfigDayOfWeekType",
                  common_code(std::to_string(*h.day), day_name(*h.day), a), a);
      o.AddMember("snapshotVolumeConfigTime", h.hour, a);
    }
    list.PushBack(o, a);
  }
  body.AddMember("nasVolumeSnapshotConfigurationHistoryList", list, a);
  return reply(200, "getNasVolumeSnapshotConfigurationHistoryListResponse", body, json);
}

// ---- seeds and state ------------------------------------------------------------------------

void NaverModule::clear() {
  credentials_ = {{"demo-access-key", "demo-secret-key"}};
  classic_ = Platform{};
  vpc_ = Platform{};
  next_instance_no_ = 1000001;
  next_history_no_ = 5000;
}

void NaverModule::seed_platform_regions(Platform& p, int count) {
  for (int i = 0; i < count && i < static_cast<int>(std::size(kKnownRegions)); ++i) {
    p.regions.push_back({kKnownRegions[i].no, kKnownRegions[i].code, kKnownRegions[i].name});
  }
}

// 2024-04-03T16:43:47+0900, the snapshot of the NCP documentation examples.
constexpr std::int64_t kDocExampleTime = 1712130227;
constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

void NaverModule::seed_demo() {
  clear();
  for (bool classic : {true, false}) {
    Platform& p = classic ? classic_ : vpc_;
    seed_platform_regions(p, 1);
    auto volume = [&](const std::string& name, std::uint64_t size_gib, int ratio) -> NasVolume& {
      NasVolume v;
      v.no = next_instance_no();
      v.name = name;
      v.region = "KR";
      v.zone = classic ? "KR-1" : "KR-2";
      v.created = kDocExampleTime - 90 * 86400;
      v.total_size = size_gib * kGiB;
      v.ratio = ratio;
      v.new_snapshot_size = 139264;
      p.volumes.push_back(v);
      return p.volumes.back();
    };
    auto snapshot = [](NasVolume& v, std::int64_t t, std::uint64_t size, bool busy = false) {
      v.snapshots.push_back({snapshot_name_at(t), t, size, busy, 0});
    };
    {
      // Weekly on Sunday at 03:00, 20 % reserve; the newest snapshot is busy.
      NasVolume& v = volume("n1234567_data", 500, 20);
      v.description = "project data";
      v.day = 0;
      v.hour = 3;
      snapshot(v, kDocExampleTime - 3 * 86400 - 49427, 1572864);  // a Sunday, 03:00 KST
      snapshot(v, kDocExampleTime - 12, 147456);
      snapshot(v, kDocExampleTime, 196608, true);
      add_history(v, "CREAT");
    }
    {
      // Daily at 01:00, 10 % reserve, shared over CIFS.
      NasVolume& v = volume("n1234567_logs", 1000, 10);
      v.protocol = "CIFS";
      v.day = -1;
      v.hour = 1;
      snapshot(v, kDocExampleTime - 2 * 86400, 8388608);
      snapshot(v, kDocExampleTime - 86400, 4194304);
      add_history(v, "CREAT");
    }
    // Snapshots off (ratio 0): a create is refused.
    volume("n1234567_scratch", 500, 0);
    {
      // 1 % of 500 GiB (5 GiB) holds two 2 GiB snapshots; each create evicts the oldest.
      NasVolume& v = volume("n1234567_full", 500, 1);
      v.new_snapshot_size = 2 * kGiB;
      snapshot(v, kDocExampleTime - 7200, 2 * kGiB);
      snapshot(v, kDocExampleTime - 3600, 2 * kGiB);
      add_history(v, "CREAT");
    }
  }
}

void NaverModule::seed_synthetic(const SyntheticSpec& spec) {
  clear();
  for (bool classic : {true, false}) {
    Platform& p = classic ? classic_ : vpc_;
    seed_platform_regions(p, std::max(1, spec.services));
    auto add_volume = [&](const Region& r, const std::string& name, int snapshots) {
      NasVolume v;
      v.no = next_instance_no();
      v.name = name;
      v.region = r.code;
      v.zone = r.code + "-1";
      v.created = kDocExampleTime - 400 * 86400;
      v.total_size = 1024 * kGiB;
      v.ratio = 20;
      v.day = 0;
      v.hour = 3;
      v.new_snapshot_size = 147456;
      v.snapshots.reserve(static_cast<std::size_t>(snapshots));
      for (int i = snapshots; i >= 1; --i) {
        std::int64_t t = kDocExampleTime - static_cast<std::int64_t>(i) * 3600;
        std::uint64_t size = 139264 + (static_cast<std::uint64_t>(i) * 7919u) % 1048576u;
        v.snapshots.push_back({snapshot_name_at(t), t, size, false, 0});
      }
      p.volumes.push_back(std::move(v));
    };
    for (const Region& r : p.regions) {
      for (int i = 1; i <= spec.volumes; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "n1000000_vol%03d", i);
        add_volume(r, name, spec.snapshots);
      }
    }
    if (spec.big > 0) add_volume(p.regions.front(), "big", spec.big);
  }
}

void load_platform(const rapidjson::Value& in, Platform& p, std::int64_t* max_no) {
  if (!in.IsObject()) return;
  auto s = [](const rapidjson::Value& o, const char* k, const std::string& fallback = "") {
    return o.HasMember(k) && o[k].IsString() ? std::string(o[k].GetString()) : fallback;
  };
  auto i64 = [](const rapidjson::Value& o, const char* k, std::int64_t fallback = 0) {
    return o.HasMember(k) && o[k].IsInt64() ? o[k].GetInt64() : fallback;
  };
  if (in.HasMember("regions") && in["regions"].IsArray()) {
    for (const auto& r : in["regions"].GetArray()) {
      p.regions.push_back({s(r, "regionNo", "1"), s(r, "regionCode"), s(r, "regionName")});
    }
  }
  if (!in.HasMember("volumes") || !in["volumes"].IsArray()) return;
  for (const auto& j : in["volumes"].GetArray()) {
    NasVolume v;
    v.no = s(j, "nasVolumeInstanceNo");
    v.name = s(j, "volumeName");
    v.region = s(j, "regionCode", "KR");
    v.zone = s(j, "zoneCode", v.region + "-1");
    v.description = s(j, "description");
    v.protocol = s(j, "protocol", "NFS");
    v.mount_ip = s(j, "mountIp", "10.250.53.74");
    v.created = i64(j, "created");
    v.total_size = static_cast<std::uint64_t>(i64(j, "volumeTotalSize", 500 * kGiB));
    v.ratio = static_cast<int>(i64(j, "snapshotVolumeConfigurationRatio"));
    if (j.HasMember("snapshotVolumeConfigDayOfWeekTypeCode")) {
      if (auto d = to_int(s(j, "snapshotVolumeConfigDayOfWeekTypeCode")))
        v.day = static_cast<int>(*d);
    }
    v.hour = static_cast<int>(i64(j, "snapshotVolumeConfigTime"));
    v.new_snapshot_size = static_cast<std::uint64_t>(i64(j, "newSnapshotSize"));
    if (j.HasMember("snapshots") && j["snapshots"].IsArray()) {
      for (const auto& x : j["snapshots"].GetArray()) {
        NasSnapshot snap;
        snap.created = i64(x, "created");
        snap.name = s(x, "name", snapshot_name_at(snap.created));
        snap.size = static_cast<std::uint64_t>(i64(x, "size"));
        snap.busy_forever = x.HasMember("busy") && x["busy"].IsBool() && x["busy"].GetBool();
        snap.busy_until_us = i64(x, "busyUntilUs");
        v.snapshots.push_back(snap);
      }
      std::stable_sort(
          v.snapshots.begin(), v.snapshots.end(),
          [](const NasSnapshot& a, const NasSnapshot& b) { return a.created < b.created; });
    }
    if (j.HasMember("history") && j["history"].IsArray()) {
      for (const auto& x : j["history"].GetArray()) {
        NasHistory h;
        h.sequence_no = s(x, "historySequenceNo");
        h.type = s(x, "historyType", "CHG");
        h.ip = s(x, "ip", "127.0.0.1");
        h.date = i64(x, "registerDate");
        h.ratio = static_cast<int>(i64(x, "snapshotVolumeConfigurationRatio"));
        if (auto d = to_int(s(x, "snapshotVolumeConfigDayOfWeekTypeCode")))
          h.day = static_cast<int>(*d);
        h.hour = static_cast<int>(i64(x, "snapshotVolumeConfigTime"));
        v.history.push_back(h);
      }
    }
    if (auto n = to_int(v.no)) *max_no = std::max(*max_no, *n);
    p.volumes.push_back(std::move(v));
  }
}

void NaverModule::load(const rapidjson::Value& section) {
  clear();
  if (!section.IsObject()) return;
  if (section.HasMember("credentials") && section["credentials"].IsArray()) {
    credentials_.clear();
    for (const auto& c : section["credentials"].GetArray()) {
      if (c.HasMember("accessKey") && c["accessKey"].IsString() && c.HasMember("secretKey") &&
          c["secretKey"].IsString()) {
        credentials_.push_back({c["accessKey"].GetString(), c["secretKey"].GetString()});
      }
    }
  }
  std::int64_t max_no = 0;
  if (section.HasMember("platforms") && section["platforms"].IsObject()) {
    const auto& platforms = section["platforms"];
    if (platforms.HasMember("classic")) load_platform(platforms["classic"], classic_, &max_no);
    if (platforms.HasMember("vpc")) load_platform(platforms["vpc"], vpc_, &max_no);
  }
  if (section.HasMember("nextInstanceNo") && section["nextInstanceNo"].IsInt64()) {
    next_instance_no_ = section["nextInstanceNo"].GetInt64();
  }
  next_instance_no_ = std::max(next_instance_no_, max_no + 1);
  if (section.HasMember("nextHistorySequenceNo") && section["nextHistorySequenceNo"].IsInt64()) {
    next_history_no_ = section["nextHistorySequenceNo"].GetInt64();
  }
}

void dump_platform(const Platform& p, rapidjson::Value& out, Alloc& a) {
  out.SetObject();
  rapidjson::Value regions(rapidjson::kArrayType);
  for (const auto& r : p.regions) {
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("regionNo", str(r.no, a), a);
    o.AddMember("regionCode", str(r.code, a), a);
    o.AddMember("regionName", str(r.name, a), a);
    regions.PushBack(o, a);
  }
  out.AddMember("regions", regions, a);
  rapidjson::Value volumes(rapidjson::kArrayType);
  for (const auto& v : p.volumes) {
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("nasVolumeInstanceNo", str(v.no, a), a);
    o.AddMember("volumeName", str(v.name, a), a);
    o.AddMember("regionCode", str(v.region, a), a);
    o.AddMember("zoneCode", str(v.zone, a), a);
    o.AddMember("description", str(v.description, a), a);
    o.AddMember("protocol", str(v.protocol, a), a);
    o.AddMember("mountIp", str(v.mount_ip, a), a);
    o.AddMember("created", v.created, a);
    o.AddMember("volumeTotalSize", v.total_size, a);
    o.AddMember("snapshotVolumeConfigurationRatio", v.ratio, a);
    if (v.day)
      o.AddMember("snapshotVolumeConfigDayOfWeekTypeCode", str(std::to_string(*v.day), a), a);
    o.AddMember("snapshotVolumeConfigTime", v.hour, a);
    o.AddMember("newSnapshotSize", v.new_snapshot_size, a);
    rapidjson::Value snapshots(rapidjson::kArrayType);
    snapshots.Reserve(static_cast<rapidjson::SizeType>(v.snapshots.size()), a);
    for (const auto& s : v.snapshots) {
      rapidjson::Value x(rapidjson::kObjectType);
      x.AddMember("name", str(s.name, a), a);
      x.AddMember("created", s.created, a);
      x.AddMember("size", s.size, a);
      if (s.busy_forever) x.AddMember("busy", true, a);
      if (s.busy_until_us != 0) x.AddMember("busyUntilUs", s.busy_until_us, a);
      snapshots.PushBack(x, a);
    }
    o.AddMember("snapshots", snapshots, a);
    rapidjson::Value history(rapidjson::kArrayType);
    for (const auto& h : v.history) {
      rapidjson::Value x(rapidjson::kObjectType);
      x.AddMember("historySequenceNo", str(h.sequence_no, a), a);
      x.AddMember("historyType", str(h.type, a), a);
      x.AddMember("ip", str(h.ip, a), a);
      x.AddMember("registerDate", h.date, a);
      x.AddMember("snapshotVolumeConfigurationRatio", h.ratio, a);
      if (h.day)
        x.AddMember("snapshotVolumeConfigDayOfWeekTypeCode", str(std::to_string(*h.day), a), a);
      x.AddMember("snapshotVolumeConfigTime", h.hour, a);
      history.PushBack(x, a);
    }
    o.AddMember("history", history, a);
    volumes.PushBack(o, a);
  }
  out.AddMember("volumes", volumes, a);
}

void NaverModule::dump(rapidjson::Value& out, Alloc& a) const {
  out.SetObject();
  rapidjson::Value credentials(rapidjson::kArrayType);
  for (const auto& c : credentials_) {
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("accessKey", str(c.access_key, a), a);
    o.AddMember("secretKey", str(c.secret_key, a), a);
    credentials.PushBack(o, a);
  }
  out.AddMember("credentials", credentials, a);
  out.AddMember("nextInstanceNo", next_instance_no_, a);
  out.AddMember("nextHistorySequenceNo", next_history_no_, a);
  rapidjson::Value platforms(rapidjson::kObjectType);
  rapidjson::Value classic, vpc;
  dump_platform(classic_, classic, a);
  dump_platform(vpc_, vpc, a);
  platforms.AddMember("classic", classic, a);
  platforms.AddMember("vpc", vpc, a);
  out.AddMember("platforms", platforms, a);
}

}  // namespace

std::unique_ptr<ApiModule> make_naver_module(EmuContext& ctx) {
  auto module = std::make_unique<NaverModule>(ctx);
  return module;
}

}  // namespace snapfs::emu
