// NAVER Cloud NAS answers in either format, read into one shape. An XML answer is converted to
// the JSON the same call returns with responseFormatType=json (lists as arrays, numbers and
// booleans typed), so every later step, and user.snapfs.json, sees one form.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/result.h"

namespace snapfs {

// Converts an XML document to JSON by the rules above: an element whose name ends in "List" is
// an array of its children; other elements with children are objects; leaves are strings, except
// the numeric fields of the NAS models and "true"/"false" of is* fields. Returns the root element
// converted, with its name in *root_name.
Result<rapidjson::Document> naver_xml_to_json(const std::string& xml, std::string* root_name);

// The object inside `<action>Response` of a 2xx answer, or the error the body describes
// (responseError, API Gateway error, non-zero returnCode). The body's first character says
// which format it is: a gateway error is JSON even for a call that asked for XML.
Result<rapidjson::Document> parse_naver_success(const std::string& body);

// The error of a failed call, from its status and body (either format, detected from the body).
// `remote` names the remote in messages; `auth_fix` is appended to authentication failures.
Error naver_error(int http_status, const std::string& body, const std::string& remote,
                  const std::string& auth_fix);
// The kind a NAS returnCode (and its message) maps to, `fallback` when nothing is known of it.
ErrorKind naver_return_code_kind(const std::string& return_code, const std::string& message,
                                 ErrorKind fallback);

// Field access tolerant of both formats ("123" or 123, "true" or true).
std::string naver_string(const rapidjson::Value& object, const char* key);
std::optional<std::int64_t> naver_int(const rapidjson::Value& object, const char* key);
std::optional<double> naver_double(const rapidjson::Value& object, const char* key);
bool naver_bool(const rapidjson::Value& object, const char* key);
// `code` of a CommonCode member ({"code": ..., "codeName": ...}), "" when absent.
std::string naver_code(const rapidjson::Value& object, const char* key);

struct NasSnapshotItem {
  std::string name;
  std::string create_date;      // as sent, e.g. 2024-04-03T16:43:47+0900
  std::int64_t created_us = 0;  // 0 when absent or unreadable
  std::optional<std::uint64_t> size;
  bool busy = false;
  std::string json;
};

struct NasVolumeItem {
  std::string instance_no;
  std::string name;  // volumeName
  std::string description;
  std::string status_code;  // CREAT, INIT, TERMT ...
  std::string create_date;
  std::int64_t created_us = 0;
  std::string mount;
  std::string protocol;
  std::string region_code;  // VPC regionCode, Classic region.regionCode
  std::string zone_code;
  std::optional<std::uint64_t> total_size;
  std::optional<std::uint64_t> size;
  std::optional<std::uint64_t> snapshot_capacity;  // snapshotVolumeSize
  double ratio = 0;
  std::string period_code;  // DAY, WEEK or ""
  std::string day_code;     // -1, 0..6 or ""
  std::optional<int> hour;  // snapshotVolumeConfigTime
  bool snapshot_configured = false;
  std::string json;
};

struct NasRegionItem {
  std::string no;
  std::string code;
  std::string name;
  std::string json;
};

std::vector<NasSnapshotItem> naver_snapshot_items(const rapidjson::Value& body);
std::vector<NasVolumeItem> naver_volume_items(const rapidjson::Value& body);
std::vector<NasRegionItem> naver_region_items(const rapidjson::Value& body);

// Return codes snapfs-emulator uses for the NAS errors whose real codes are not documented.
namespace naver_codes {
inline constexpr const char* kInvalidInstanceNo = "24109";  // real (NCP SDK tests)
inline constexpr const char* kSnapshotNotFound = "35101";
inline constexpr const char* kSnapshotBusy = "35102";
inline constexpr const char* kSnapshotsDisabled = "35103";
inline constexpr const char* kSnapshotCapacity = "35104";
inline constexpr const char* kInvalidParameter = "35105";
}  // namespace naver_codes

}  // namespace snapfs
