// The shared OVHcloud helpers declared in common.h.
#include "emulator/apis/ovh/common.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstdio>

#include "emulator/emu_util.h"

namespace snapfs::emu::ovh {

std::string sha1_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return "";
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::int64_t> to_int(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return text[0] == '-' ? -v : v;
}

std::string nas_date(std::int64_t unix_us) {
  std::int64_t secs = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
  return format_utc_s(secs + kNasZoneOffsetSeconds, "+01:00");
}

std::string efs_date(std::int64_t unix_us) {
  std::int64_t secs = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
  return format_utc_s(secs, "Z");
}

bool valid_custom_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-';
  });
}

int snapshot_type_rank(const std::string& type) {
  for (int i = 0; i < 6; ++i) {
    if (type == kSnapshotTypes[i]) return i;
  }
  return -1;
}

void sort_schedules(std::vector<std::string>& types) {
  std::sort(types.begin(), types.end(), [](const std::string& a, const std::string& b) {
    return snapshot_type_rank(a) < snapshot_type_rank(b);
  });
}

std::string path_param(const EmuRequest& r, const std::string& name) {
  auto it = r.path_params.find(name);
  if (it == r.path_params.end()) it = r.path_params.find("{" + name + "}");
  return it == r.path_params.end() ? std::string() : it->second;
}

void write_opt(JsonWriter& w, const std::optional<std::string>& v) {
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

void write_text_or_null(JsonWriter& w, const std::string& v) {
  if (v.empty()) {
    w.Null();
  } else {
    w.String(v);
  }
}

void write_int_list(JsonWriter& w, const std::optional<std::vector<int>>& v) {
  if (!v) {
    w.Null();
    return;
  }
  w.StartArray();
  for (int x : *v) w.Int(x);
  w.EndArray();
}

EmuResponse json_answer(int status, std::string body) {
  return EmuResponse::json(status, std::move(body), kJsonType);
}

EmuResponse api_error(int status, const std::string& error_class, const std::string& message) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("class");
  w.String(error_class);
  w.Key("message");
  w.String(message);
  w.EndObject();
  return json_answer(status, buf.GetString());
}

EmuResponse auth_error(int status, const std::string& code, const std::string& message) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("message");
  w.String(message);
  w.Key("httpCode");
  w.String(std::to_string(status) + " " + status_text(status));
  w.Key("errorCode");
  w.String(code);
  w.EndObject();
  return json_answer(status, buf.GetString());
}

EmuResponse not_found_object(const std::string& key, const std::string& value) {
  return api_error(404, "Client::NotFound",
                   "The requested object (" + key + " = " + value + ") does not exist");
}

EmuResponse service_not_found() {
  return api_error(404, "Client::NotFound", "This service does not exist");
}

EmuResponse resource_not_found() {
  return api_error(404, "Client::NotFound", "Resource not found");
}

EmuResponse bad_request(const std::string& message) {
  return api_error(400, "Client::BadRequest", message);
}

EmuResponse void_ok() {
  return json_answer(200, "null");
}

// Parses a JSON request body; a missing body counts as {}.
bool parse_body(const EmuRequest& r, rapidjson::Document* doc) {
  if (r.body.empty()) {
    doc->SetObject();
    return true;
  }
  doc->Parse(r.body.c_str(), r.body.size());
  return !doc->HasParseError() && doc->IsObject();
}

// A JSON member as a string: nullopt when absent or null; `bad` when present with another type.
std::optional<std::string> body_string(const rapidjson::Value& doc, const char* name, bool* bad) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsString()) {
    *bad = true;
    return std::nullopt;
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// ---- X-Pagination-Filter ----------------------------------------------------------------------

static std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<FilterTerm> parse_filter(const std::string& header) {
  std::vector<FilterTerm> terms;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find('&', start);
    std::string part =
        header.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::size_t colon = part.find(':');
    std::size_t eq = part.find('=', colon == std::string::npos ? 0 : colon);
    if (colon != std::string::npos && eq != std::string::npos) {
      terms.push_back({part.substr(0, colon), part.substr(colon + 1, eq - colon - 1),
                       percent_decode(part.substr(eq + 1))});
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return terms;
}

static bool like_match(const std::string& pattern, const std::string& text) {
  std::string glob = pattern;
  std::replace(glob.begin(), glob.end(), '%', '*');
  return glob_match(glob, text);
}

bool filter_matches(const std::vector<FilterTerm>& terms, const std::string& object_json) {
  rapidjson::Document doc;
  doc.Parse(object_json.c_str(), object_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  for (const FilterTerm& t : terms) {
    auto it = doc.FindMember(t.field.c_str());
    std::string value;
    if (it != doc.MemberEnd()) {
      if (it->value.IsString()) {
        value = it->value.GetString();
      } else if (it->value.IsInt64()) {
        value = std::to_string(it->value.GetInt64());
      } else if (it->value.IsBool()) {
        value = it->value.GetBool() ? "true" : "false";
      }
    }
    bool ok = false;
    if (t.op == "eq") {
      ok = value == t.value;
    } else if (t.op == "ne") {
      ok = value != t.value;
    } else if (t.op == "like") {
      ok = like_match(t.value, value);
    } else if (t.op == "in") {
      std::size_t s = 0;
      while (!ok) {
        std::size_t e = t.value.find(',', s);
        ok = t.value.substr(s, e == std::string::npos ? std::string::npos : e - s) == value;
        if (e == std::string::npos) break;
        s = e + 1;
      }
    } else if (t.op == "lt" || t.op == "gt") {
      auto a = to_int(value);
      auto b = to_int(t.value);
      ok = a && b ? (t.op == "lt" ? *a < *b : *a > *b)
                  : (t.op == "lt" ? value < t.value : value > t.value);
    }
    if (!ok) return false;
  }
  return true;
}

// ---- state files ------------------------------------------------------------------------------

std::string str(const rapidjson::Value& v, const char* name, const std::string& fallback) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return fallback;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<std::string> opt_str(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t num(const rapidjson::Value& v, const char* name, std::int64_t fallback) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return fallback;
  return it->value.GetInt64();
}

double dbl(const rapidjson::Value& v, const char* name, double fallback) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsNumber()) return fallback;
  return it->value.GetDouble();
}

bool flag(const rapidjson::Value& v, const char* name, bool fallback) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsBool()) return fallback;
  return it->value.GetBool();
}

const rapidjson::Value* arr(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

// A date member: a string in any RFC 3339 form, or microseconds under "<name>_us".
std::optional<std::int64_t> date_us(const rapidjson::Value& v, const char* name) {
  std::string us_name = std::string(name) + "_us";
  auto it = v.FindMember(us_name.c_str());
  if (it != v.MemberEnd() && it->value.IsInt64()) return it->value.GetInt64();
  if (auto text = opt_str(v, name)) return parse_utc_us(*text);
  return std::nullopt;
}

std::optional<std::vector<int>> ints(const rapidjson::Value& v, const char* name) {
  const rapidjson::Value* a = arr(v, name);
  if (a == nullptr) return std::nullopt;
  std::vector<int> out;
  for (const auto& x : a->GetArray()) {
    if (x.IsInt()) out.push_back(x.GetInt());
  }
  return out;
}

rapidjson::Value string_value(const std::string& s, Alloc& alloc) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

rapidjson::Value opt_value(const std::optional<std::string>& s, Alloc& alloc) {
  return s ? string_value(*s, alloc) : rapidjson::Value(rapidjson::kNullType);
}

rapidjson::Value int_list_value(const std::optional<std::vector<int>>& v, Alloc& alloc) {
  if (!v) return rapidjson::Value(rapidjson::kNullType);
  rapidjson::Value a(rapidjson::kArrayType);
  for (int x : *v) a.PushBack(x, alloc);
  return a;
}

}  // namespace snapfs::emu::ovh
