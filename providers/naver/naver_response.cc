#include "providers/naver/naver_response.h"

#include <tinyxml2.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

#include "providers/common/http_errors.h"
#include "providers/common/json_util.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"

namespace snapfs {
namespace {

using Alloc = rapidjson::Document::AllocatorType;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Fields the NAS models declare as Integer/Long (JSON numbers).
bool is_integer_field(const std::string& name) {
  static const std::set<std::string> kFields = {"totalRows",          "snapshotSize",
                                                "volumeTotalSize",    "volumeSize",
                                                "snapshotVolumeSize", "snapshotVolumeConfigTime",
                                                "volumeUseSize",      "snapshotVolumeUseSize"};
  return kFields.count(name) != 0;
}

// Fields the NAS models declare as Float.
bool is_float_field(const std::string& name) {
  static const std::set<std::string> kFields = {"snapshotVolumeConfigurationRatio",
                                                "volumeUseRatio", "snapshotVolumeUseRatio"};
  return kFields.count(name) != 0;
}

bool is_boolean_field(const std::string& name) {
  return name.size() > 2 && name[0] == 'i' && name[1] == 's' &&
         std::isupper(static_cast<unsigned char>(name[2]));
}

std::optional<std::int64_t> to_int(const std::string& text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> to_double(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return value;
}

void convert_leaf(const std::string& name, const std::string& text, rapidjson::Value& out,
                  Alloc& alloc) {
  if (ends_with(name, "List")) {
    out.SetArray();  // <nasVolumeInstanceCustomIpList />
    return;
  }
  if (is_integer_field(name)) {
    if (auto v = to_int(text)) {
      out.SetInt64(*v);
      return;
    }
  }
  if (is_float_field(name)) {
    if (auto v = to_double(text)) {
      out.SetDouble(*v);
      return;
    }
  }
  if (is_boolean_field(name) && (text == "true" || text == "false")) {
    out.SetBool(text == "true");
    return;
  }
  out.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc);
}

void convert_element(const tinyxml2::XMLElement* element, rapidjson::Value& out, Alloc& alloc) {
  std::string name = element->Name();
  const tinyxml2::XMLElement* child = element->FirstChildElement();
  if (child == nullptr) {
    const char* text = element->GetText();
    convert_leaf(name, trim(text ? text : ""), out, alloc);
    return;
  }
  if (ends_with(name, "List")) {
    out.SetArray();
    for (; child != nullptr; child = child->NextSiblingElement()) {
      rapidjson::Value item;
      convert_element(child, item, alloc);
      out.PushBack(item, alloc);
    }
    return;
  }
  out.SetObject();
  for (; child != nullptr; child = child->NextSiblingElement()) {
    if (out.HasMember(child->Name())) continue;  // singular members: the first one counts
    rapidjson::Value item;
    convert_element(child, item, alloc);
    out.AddMember(rapidjson::Value(child->Name(), alloc), item, alloc);
  }
}

bool looks_like_xml(const std::string& body) {
  std::size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && body[first] == '<';
}

// The error a body describes, if any: an API Gateway error ({"error": {...}} or its XML form) or
// a NAS responseError.
struct BodyError {
  bool found = false;
  bool gateway = false;
  std::string code;
  std::string message;
};

BodyError error_in(const rapidjson::Value& root, const std::string& root_name) {
  BodyError e;
  const rapidjson::Value* inner = nullptr;
  if (root_name == "responseError") {
    inner = &root;
  } else if (root_name == "Message" && root.IsObject() && root.HasMember("error")) {
    inner = &root["error"];
    e.gateway = true;
  } else if (root_name.empty() && root.IsObject()) {
    if (root.HasMember("responseError")) inner = &root["responseError"];
    if (root.HasMember("error")) {
      inner = &root["error"];
      e.gateway = true;
    }
  }
  if (inner == nullptr || !inner->IsObject()) return e;
  e.found = true;
  if (e.gateway) {
    e.code = naver_string(*inner, "errorCode");
    e.message = naver_string(*inner, "message");
  } else {
    e.code = naver_string(*inner, "returnCode");
    e.message = naver_string(*inner, "returnMessage");
  }
  return e;
}

// Parses a body of either format; *root_name is the XML root's name, "" for JSON.
Result<rapidjson::Document> parse_any(const std::string& body, std::string* root_name) {
  if (looks_like_xml(body)) return naver_xml_to_json(body, root_name);
  root_name->clear();
  rapidjson::Document doc;
  if (Status s = parse_json(body, &doc, "NAVER Cloud answer"); !s.ok()) return s.error();
  if (!doc.IsObject()) return Error(ErrorKind::BadResponse, "NAVER Cloud answered a non-object");
  return doc;
}

Error return_code_error(const std::string& code, const std::string& message, int status,
                        ErrorKind fallback) {
  return Error(naver_return_code_kind(code, message, fallback),
               "NAVER Cloud returnCode " + code + ": " + message, status);
}

}  // namespace

Result<rapidjson::Document> naver_xml_to_json(const std::string& xml, std::string* root_name) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.c_str(), xml.size()) != tinyxml2::XML_SUCCESS) {
    return Error(ErrorKind::BadResponse,
                 std::string("malformed XML from NAVER Cloud: ") + doc.ErrorName());
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (root == nullptr) return Error(ErrorKind::BadResponse, "empty XML answer from NAVER Cloud");
  *root_name = root->Name();
  rapidjson::Document out;
  convert_element(root, out, out.GetAllocator());
  return out;
}

Result<rapidjson::Document> parse_naver_success(const std::string& body) {
  std::string root_name;
  auto parsed = parse_any(body, &root_name);
  if (!parsed.ok()) return parsed.error();
  rapidjson::Document& doc = parsed.value();
  BodyError e = error_in(doc, root_name);
  if (e.found) {
    if (e.gateway) {
      return Error(ErrorKind::Unavailable,
                   "NAVER Cloud API Gateway error " + e.code + ": " + e.message);
    }
    return return_code_error(e.code, e.message, 0, ErrorKind::InvalidArgument);
  }
  rapidjson::Document inner;
  if (!root_name.empty()) {
    if (!ends_with(root_name, "Response") || !doc.IsObject()) {
      return Error(ErrorKind::BadResponse,
                   "unexpected XML root <" + root_name + "> from NAVER Cloud");
    }
    inner.Swap(doc);
  } else {
    for (auto& member : doc.GetObject()) {
      std::string key = member.name.GetString();
      if (ends_with(key, "Response") && member.value.IsObject()) {
        inner.CopyFrom(member.value, inner.GetAllocator());
        break;
      }
    }
    if (!inner.IsObject()) {
      return Error(ErrorKind::BadResponse,
                   "NAVER Cloud JSON answer without an <action>Response object");
    }
  }
  std::string code = naver_string(inner, "returnCode");
  if (!code.empty() && code != "0") {
    return return_code_error(code, naver_string(inner, "returnMessage"), 0,
                             ErrorKind::InvalidArgument);
  }
  return inner;
}

ErrorKind naver_return_code_kind(const std::string& code, const std::string& message,
                                 ErrorKind fallback) {
  namespace c = naver_codes;
  if (code == c::kInvalidInstanceNo || code == c::kSnapshotNotFound) return ErrorKind::NotFound;
  if (code == c::kSnapshotBusy || code == "25013" || code == "23006" || code == "1200004" ||
      code == "1007009") {
    return ErrorKind::Busy;
  }
  if (code == c::kSnapshotsDisabled || code == c::kSnapshotCapacity)
    return ErrorKind::QuotaExceeded;
  if (code == c::kInvalidParameter) return ErrorKind::InvalidArgument;
  if (code == "1300" || code == "1250000" || code == "3000") return ErrorKind::Unavailable;
  // The real codes for capacity problems are not documented; their messages speak of capacity.
  std::string text = lower(message);
  if (text.find("capacity") != std::string::npos || text.find("quota") != std::string::npos) {
    return ErrorKind::QuotaExceeded;
  }
  return fallback;
}

Error naver_error(int status, const std::string& body, const std::string& remote,
                  const std::string& auth_fix) {
  BodyError e;
  std::string root_name;
  if (!body.empty()) {
    auto parsed = parse_any(body, &root_name);
    if (parsed.ok()) e = error_in(parsed.value(), root_name);
  }
  const std::string who = "remote '" + remote + "': ";
  if (status == 401 || (e.gateway && (e.code == "200" || e.code == "210"))) {
    std::string what = e.found ? " (" + e.code + " " + e.message + ")" : "";
    return Error(ErrorKind::AccessDenied,
                 who + "NAVER Cloud rejected the API key" + what + "; " + auth_fix, status);
  }
  if (e.found && e.gateway) {
    ErrorKind kind = error_kind_for_status(status);
    if (e.code == "230") kind = ErrorKind::AccessDenied;
    if (e.code == "400" || e.code == "410" || e.code == "420") kind = ErrorKind::RateLimited;
    std::string hint = e.code == "300" ? " (check api_url and platform)" : "";
    if (e.code == "300") kind = ErrorKind::Unavailable;
    return Error(kind, who + "NAVER Cloud API Gateway error " + e.code + ": " + e.message + hint,
                 status);
  }
  if (e.found) {
    Error error = return_code_error(e.code, e.message, status, error_kind_for_status(status));
    error.message = who + error.message;
    return error;
  }
  return error_for_status(status, who + "NAVER Cloud answered HTTP " + std::to_string(status));
}

std::string naver_string(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* member = json_member(object, key);
  if (member == nullptr) return "";
  const rapidjson::Value& v = *member;
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNumber()) return json_compact(v);
  return "";
}

std::optional<std::int64_t> naver_int(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* member = json_member(object, key);
  if (member == nullptr) return std::nullopt;
  const rapidjson::Value& v = *member;
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsNumber()) return whole_int64(v.GetDouble());
  if (v.IsString()) return to_int(trim(v.GetString()));
  return std::nullopt;
}

std::optional<double> naver_double(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* member = json_member(object, key);
  if (member == nullptr) return std::nullopt;
  const rapidjson::Value& v = *member;
  std::optional<double> value;
  if (v.IsNumber()) value = v.GetDouble();
  if (v.IsString()) value = to_double(trim(v.GetString()));
  if (value && !std::isfinite(*value)) return std::nullopt;  // "nan", "inf", 1e999
  return value;
}

bool naver_bool(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = json_member(object, key);
  if (v == nullptr) return false;
  if (v->IsBool()) return v->GetBool();
  return v->IsString() && std::string(v->GetString()) == "true";
}

std::string naver_code(const rapidjson::Value& object, const char* key) {
  if (const rapidjson::Value* code = json_object(object, key)) return naver_string(*code, "code");
  return naver_string(object, key);
}

namespace {

std::optional<std::uint64_t> to_size(std::optional<std::int64_t> v) {
  if (!v || *v < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

std::int64_t date_us(const std::string& text) {
  return parse_rfc3339_us(text).value_or(0);
}

// The items of the array `name` of an answer that `parse` accepts (those without their key
// are skipped), each with its JSON text.
template <class T, class Parse>
std::vector<T> list_items(const rapidjson::Value& body, const char* name, const Parse& parse) {
  std::vector<T> out;
  const rapidjson::Value* list = json_array(body, name);
  if (list == nullptr) return out;
  out.reserve(list->Size());
  for (const auto& item : list->GetArray()) {
    std::optional<T> parsed = parse(item);
    if (!parsed) continue;
    parsed->json = json_compact(item);
    out.push_back(std::move(*parsed));
  }
  return out;
}

std::optional<NasSnapshotItem> snapshot_item(const rapidjson::Value& item) {
  NasSnapshotItem s;
  s.name = naver_string(item, "nasVolumeSnapshotName");
  if (s.name.empty()) return std::nullopt;
  s.create_date = naver_string(item, "createDate");
  s.created_us = date_us(s.create_date);
  s.size = to_size(naver_int(item, "snapshotSize"));
  s.busy = naver_bool(item, "isBusy");
  return s;
}

std::optional<NasVolumeItem> volume_item(const rapidjson::Value& item) {
  NasVolumeItem v;
  v.instance_no = naver_string(item, "nasVolumeInstanceNo");
  if (v.instance_no.empty()) return std::nullopt;
  v.name = naver_string(item, "volumeName");
  v.description = naver_string(item, "nasVolumeDescription");
  if (v.description.empty()) v.description = naver_string(item, "nasVolumeInstanceDescription");
  v.status_code = naver_code(item, "nasVolumeInstanceStatus");
  v.create_date = naver_string(item, "createDate");
  v.created_us = date_us(v.create_date);
  v.mount = naver_string(item, "mountInformation");
  v.protocol = naver_code(item, "volumeAllotmentProtocolType");
  v.region_code = naver_string(item, "regionCode");
  if (const rapidjson::Value* region = json_object(item, "region");
      v.region_code.empty() && region) {
    v.region_code = naver_string(*region, "regionCode");
  }
  v.zone_code = naver_string(item, "zoneCode");
  if (const rapidjson::Value* zone = json_object(item, "zone"); v.zone_code.empty() && zone) {
    v.zone_code = naver_string(*zone, "zoneCode");
  }
  v.total_size = to_size(naver_int(item, "volumeTotalSize"));
  v.size = to_size(naver_int(item, "volumeSize"));
  v.snapshot_capacity = to_size(naver_int(item, "snapshotVolumeSize"));
  v.ratio = naver_double(item, "snapshotVolumeConfigurationRatio").value_or(0);
  v.period_code = naver_code(item, "snapshotVolumeConfigPeriodType");
  v.day_code = naver_code(item, "snapshotVolumeConfigDayOfWeekType");
  if (auto hour = naver_int(item, "snapshotVolumeConfigTime")) v.hour = static_cast<int>(*hour);
  v.snapshot_configured = naver_bool(item, "isSnapshotConfiguration");
  return v;
}

std::optional<NasRegionItem> region_item(const rapidjson::Value& item) {
  NasRegionItem r;
  r.no = naver_string(item, "regionNo");
  r.code = naver_string(item, "regionCode");
  r.name = naver_string(item, "regionName");
  if (r.code.empty()) return std::nullopt;
  return r;
}

}  // namespace

std::vector<NasSnapshotItem> naver_snapshot_items(const rapidjson::Value& body) {
  return list_items<NasSnapshotItem>(body, "nasVolumeSnapshotList", snapshot_item);
}

std::vector<NasVolumeItem> naver_volume_items(const rapidjson::Value& body) {
  return list_items<NasVolumeItem>(body, "nasVolumeInstanceList", volume_item);
}

std::vector<NasRegionItem> naver_region_items(const rapidjson::Value& body) {
  return list_items<NasRegionItem>(body, "regionList", region_item);
}

}  // namespace snapfs
