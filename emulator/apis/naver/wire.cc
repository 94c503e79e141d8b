// NAVER Cloud: small helpers and the XML and JSON rendering of one answer.
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

#include "emulator/apis/naver/naver.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::naver {

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
                  bool declaration) {
  if (json) return EmuResponse::json(status, render_json(root, body));
  return EmuResponse::json(status, render_xml(root, body, declaration), "application/xml");
}

EmuResponse service_error(const std::string& return_code, const std::string& message, bool json) {
  rapidjson::Document body(rapidjson::kObjectType);
  body.AddMember("returnCode", str(return_code, body.GetAllocator()), body.GetAllocator());
  body.AddMember("returnMessage", str(message, body.GetAllocator()), body.GetAllocator());
  return reply(400, "responseError", body, json, false);
}

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

rapidjson::Document success_body(const std::string& request_id) {
  rapidjson::Document body(rapidjson::kObjectType);
  Alloc& a = body.GetAllocator();
  body.AddMember("requestId", str(request_id, a), a);
  body.AddMember("returnCode", "0", a);
  body.AddMember("returnMessage", "success", a);
  return body;
}

}  // namespace snapfs::emu::naver
