#include "providers/common/json_util.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace snapfs {

Status parse_json(const std::string& text, rapidjson::Document* out, const std::string& what) {
  out->Parse(text.c_str(), text.size());
  if (out->HasParseError()) {
    return Error(ErrorKind::BadResponse, "malformed JSON in " + what + ": " +
                                             rapidjson::GetParseError_En(out->GetParseError()) +
                                             " at offset " + std::to_string(out->GetErrorOffset()));
  }
  return Status::Ok();
}

const rapidjson::Value* json_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const rapidjson::Value* json_object(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = json_member(object, name);
  return v != nullptr && v->IsObject() ? v : nullptr;
}

const rapidjson::Value* json_array(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = json_member(object, name);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

std::optional<std::string> json_string(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = json_member(object, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::string json_string_or(const rapidjson::Value& object, const char* name,
                           const std::string& fallback) {
  return json_string(object, name).value_or(fallback);
}

std::optional<std::int64_t> json_int64(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = json_member(object, name);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<std::int64_t> whole_int64(double value) {
  // 2^63 is exactly representable; every double below it (and >= -2^63) fits in an int64.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(value) || value >= kLimit || value < -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

std::optional<std::uint64_t> json_uint64(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = json_member(object, name);
  if (v == nullptr || !v->IsUint64()) return std::nullopt;
  return v->GetUint64();
}

std::optional<bool> json_bool(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = json_member(object, name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::optional<std::vector<std::string>> json_string_array(const rapidjson::Value& object,
                                                          const char* name) {
  const rapidjson::Value* v = json_array(object, name);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v->GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

std::string json_compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace snapfs
