// OVHcloud API v6 under /1.0 (and its /v1 alias): /auth/time, HA-NAS (/dedicated/nasha) and
// Enterprise File Storage (/storage/netapp), as described in specs/ovh-api.md.
//
// Behaviour the public documents leave open, as this emulator defines it:
// - Authentication: X-Ovh-Signature is checked over the received body against the URLs
//   `<scheme>://<Host><target>`, the same without the port, and `https://<hostname><target>`
//   (node-ovh signs the last one). The timestamp must be within `timestamp_window_s` (default
//   180 s) of the API clock; otherwise 400 {"errorCode":"QUERY_TIME_OUT","message":"Query out of
//   time"}. No signature: 401 "You must login first"; unknown application key: 403 INVALID_KEY;
//   missing or unknown consumer key: 403 NOT_CREDENTIAL; bad signature: 400 INVALID_SIGNATURE.
// - /auth/time reports the emulator clock (--clock-offset-s shifts it, so a test can put the API
//   ahead of or behind the machine running snapfs).
// - HA-NAS dates are written in a fixed +01:00 zone, seconds precision; EFS dates in UTC with "Z".
// - HA-NAS tasks stay `todo` for the first half of --async-ms, then `doing`, and become `done`
//   (doneDate = the end of the delay) when it has passed; their effect is applied then. Task
//   `details` of a custom snapshot create or delete holds the snapshot name. Finished tasks are
//   kept for ever.
// - Custom snapshots: names must match [a-zA-Z0-9.:-]+ (the control panel's rule) or 400; a name
//   in use or pending creation: 409 Client::Conflict; more than 10 per partition (pending creates
//   and deletes counted): 400 Client::BadRequest "Maximum number of custom snapshots (10) reached
//   on this partition"; an expiration that does not parse or has passed: 400. A snapshot
//   disappears when its expiration passes. Deleting a snapshot whose delete is pending answers
//   that pending task again.
// - Automatic snapshot schedules: at most 4 frequencies (hour-1 plus 3), pending changes
//   counted: 400 "Maximum number of snapshot frequencies (4) reached"; adding one that is on (or
//   pending): 409 Client::Conflict. hour-1 may be removed.
// - X-Pagination-Mode (CachedObjectList-Pages / -Cursor) expands the list routes that have
//   x-expanded-response. Without X-Pagination-Size the page holds every element. Cursor mode
//   answers X-Pagination-Cursor-Next while elements remain. X-Pagination-Filter supports eq, ne,
//   in and like. State option `expand_custom_snapshots: false` makes /customSnapshot and
//   /snapshot ignore the header (names only), as the spec allows for those two routes.
// - EFS: without detail=true the share and snapshot lists carry only id and name. A snapshot is
//   `creating` for --async-ms (a seeded one with no deadline stays creating), `deleting` for
//   --async-ms and then gone. Deleting an automatic or system snapshot: 403 Client::Forbidden;
//   one that is creating, restoring or the source of a share: 409 Client::Conflict. At most 200
//   snapshots per share: 400 Client::BadRequest. Snapshot names are free text (duplicates and
//   the empty name allowed). `hold` applies to automatic snapshots only (else 400). A share with
//   no policy answers 404 on GET .../snapshotPolicy; attaching one reports `updating` for
//   --async-ms. Deleting a policy attached to a share: 409. Snapshots are not taken by policies.
//
// The module (this file) holds the credentials, authentication, the query ids and the route
// prefixes; HA-NAS (ovh/nasha*.cc) and Enterprise File Storage (ovh/netapp*.cc) each own their
// state and their routes.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/apis/ovh/common.h"
#include "emulator/apis/ovh/nasha.h"
#include "emulator/apis/ovh/netapp.h"
#include "emulator/emu_util.h"

namespace snapfs::emu {
namespace {

using namespace ovh;  // NOLINT(google-build-using-namespace): the module is the API's front

struct Credential {
  std::string application_key;
  std::string application_secret;
  std::string consumer_key;
};

class OvhModule : public ApiModule {
 public:
  explicit OvhModule(EmuContext& ctx)
      : ctx_(ctx), nasha_(ctx, [this] { advance(); }), netapp_(ctx, [this] { advance(); }) {}

  std::string name() const override { return "ovh"; }

  void register_routes(
      const std::function<void(const std::string&, const std::string&, Handler)>& add) override {
    // Every API request first brings the state up to now, then is authenticated; every answer
    // carries a query id.
    const AddRoute checked = [&](const char* method, const std::string& path, Handler handler) {
      add(method, path, [this, handler](const EmuRequest& r) {
        advance();
        if (auto refusal = authenticate(r)) return finish(std::move(*refusal));
        return finish(handler(r));
      });
    };
    for (const std::string prefix : {"/1.0", "/v1"}) {
      add("GET", prefix + "/auth/time", [this](const EmuRequest&) { return auth_time(); });
      nasha_.register_routes(checked, prefix);
      netapp_.register_routes(checked, prefix);
    }
  }

  void seed_demo() override;
  void seed_synthetic(const SyntheticSpec& spec) override;
  void load(const rapidjson::Value& section) override;
  void dump(rapidjson::Value& out, Alloc& alloc) const override;
  void content_volumes(std::vector<ContentVolume>& out) const override {
    nasha_.content_volumes(out);
    netapp_.content_volumes(out);
  }

  EmuResponse fault_response(int status) const override {
    return api_error(status, status >= 500 ? "Server::InternalServerError" : "Client::Error",
                     status_text(status));
  }

 private:
  EmuResponse finish(EmuResponse response) {
    char id[64];
    std::snprintf(id, sizeof id, "EU.ext-emu.%08llx.%llu",
                  static_cast<unsigned long long>(ctx_.now_unix()),
                  static_cast<unsigned long long>(++query_counter_));
    response.headers.emplace_back("X-Ovh-Queryid", id);
    response.headers.emplace_back("Cache-Control", "no-cache, no-store");
    return response;
  }

  std::int64_t now_us() const { return ctx_.now_unix_us(); }
  std::int64_t now_s() const { return ctx_.now_unix(); }

  // ---- authentication -------------------------------------------------------------------------

  EmuResponse auth_time() { return finish(json_answer(200, std::to_string(now_s()))); }

  std::optional<EmuResponse> authenticate(const EmuRequest& r) const {
    const std::string ak = r.header("x-ovh-application");
    const std::string ck = r.header("x-ovh-consumer");
    const std::string ts = r.header("x-ovh-timestamp");
    const std::string sig = r.header("x-ovh-signature");
    if (sig.empty()) return json_answer(401, "{\"message\":\"You must login first\"}");
    const Credential* app = nullptr;
    for (const Credential& c : credentials_) {
      if (c.application_key == ak) app = &c;
    }
    if (app == nullptr) return auth_error(403, "INVALID_KEY", "This application key is invalid");
    const Credential* cred = nullptr;
    for (const Credential& c : credentials_) {
      if (c.application_key == ak && c.consumer_key == ck) cred = &c;
    }
    if (cred == nullptr) {
      return auth_error(403, "NOT_CREDENTIAL", "This credential does not exist");
    }
    auto stamp = to_int(ts);
    if (!stamp || *stamp < now_s() - timestamp_window_s_ ||
        *stamp > now_s() + timestamp_window_s_) {
      return auth_error(400, "QUERY_TIME_OUT", "Query out of time");
    }
    for (const std::string& url : candidate_urls(r)) {
      std::string joined = cred->application_secret + "+" + cred->consumer_key + "+" + r.method +
                           "+" + url + "+" + r.body + "+" + ts;
      if (same_secret("$1$" + sha1_hex(joined), sig)) return std::nullopt;
    }
    return auth_error(400, "INVALID_SIGNATURE", "Invalid signature");
  }

  static std::vector<std::string> candidate_urls(const EmuRequest& r) {
    std::string host = r.host;
    std::string hostname = host;
    if (!host.empty() && host[0] == '[') {
      std::size_t close = host.find(']');
      if (close != std::string::npos) hostname = host.substr(0, close + 1);
    } else if (std::size_t colon = host.rfind(':'); colon != std::string::npos) {
      hostname = host.substr(0, colon);
    }
    const std::string scheme = r.scheme.empty() ? "http" : r.scheme;
    std::vector<std::string> urls = {
        scheme + "://" + host + r.raw_target, scheme + "://" + hostname + r.raw_target,
        "https://" + hostname + r.raw_target, "https://" + host + r.raw_target};
    std::sort(urls.begin(), urls.end());
    urls.erase(std::unique(urls.begin(), urls.end()), urls.end());
    return urls;
  }

  // ---- time passing ---------------------------------------------------------------------------

  // ---- time passing ---------------------------------------------------------------------------

  void advance() {
    const std::int64_t now = now_us();
    nasha_.advance(now);
    netapp_.advance(now);
  }

  // ---- seeds --------------------------------------------------------------------------------

  void clear() {
    credentials_.clear();
    nasha_.clear();
    netapp_.clear();
    timestamp_window_s_ = 180;
  }

  EmuContext& ctx_;
  std::vector<Credential> credentials_;
  std::int64_t timestamp_window_s_ = 180;
  std::uint64_t query_counter_ = 0;
  Nasha nasha_;
  Netapp netapp_;
};

void OvhModule::seed_demo() {
  clear();
  credentials_.push_back({"demo-ak", "demo-as", "demo-ck"});
  const std::int64_t day = 86400LL * 1000000;
  const std::int64_t base = (now_us() / day - 30) * day;  // midnight, 30 days ago
  nasha_.seed_demo(base, day);
  netapp_.seed_demo(base, day);
}

void OvhModule::seed_synthetic(const SyntheticSpec& spec) {
  clear();
  credentials_.push_back({"demo-ak", "demo-as", "demo-ck"});
  const std::int64_t hour = 3600LL * 1000000;
  const std::int64_t base = (now_us() / hour) * hour;
  nasha_.seed_synthetic(spec, base);
  netapp_.seed_synthetic(spec, base, hour);
}

// ---- state files ------------------------------------------------------------------------------

void OvhModule::load(const rapidjson::Value& section) {
  clear();
  if (!section.IsObject()) return;
  if (const auto* creds = arr(section, "credentials")) {
    for (const auto& c : creds->GetArray()) {
      credentials_.push_back(
          {str(c, "application_key"), str(c, "application_secret"), str(c, "consumer_key")});
    }
  } else {
    credentials_.push_back({"demo-ak", "demo-as", "demo-ck"});
  }
  timestamp_window_s_ = num(section, "timestamp_window_s", 180);
  nasha_.load(section);
  netapp_.load(section);
}

void OvhModule::dump(rapidjson::Value& out, Alloc& alloc) const {
  // A dump shows the state as of now: tasks and transitions whose time has come are applied
  // first (the core holds the state lock, as for handlers).
  const_cast<OvhModule*>(this)->advance();
  out.SetObject();
  rapidjson::Value creds(rapidjson::kArrayType);
  for (const Credential& c : credentials_) {
    rapidjson::Value cv(rapidjson::kObjectType);
    cv.AddMember("application_key", string_value(c.application_key, alloc), alloc);
    cv.AddMember("application_secret", string_value(c.application_secret, alloc), alloc);
    cv.AddMember("consumer_key", string_value(c.consumer_key, alloc), alloc);
    creds.PushBack(cv, alloc);
  }
  out.AddMember("credentials", creds, alloc);
  out.AddMember("expand_custom_snapshots", nasha_.expand_custom(), alloc);
  out.AddMember("timestamp_window_s", timestamp_window_s_, alloc);
  out.AddMember("next_task_id", nasha_.next_task_id(), alloc);
  out.AddMember("nasha", nasha_.dump(alloc), alloc);
  out.AddMember("netapp", netapp_.dump(alloc), alloc);
}

}  // namespace

std::unique_ptr<ApiModule> make_ovh_module(EmuContext& ctx) {
  return std::make_unique<OvhModule>(ctx);
}

}  // namespace snapfs::emu
