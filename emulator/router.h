// Route templates of every module ("/instance/v1/zones/{zone}/snapshots/{snapshot_id}") matched
// segment by segment against the request path. When several templates match, the one with the
// most literal segments wins, then the first registered.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/api_module.h"

namespace snapfs::emu {

struct RouteMatch {
  ApiModule* module = nullptr;
  const std::string* route = nullptr;  // the template, owned by the router
  const Handler* handler = nullptr;
  std::map<std::string, std::string> params;
};

class Router {
 public:
  void add(ApiModule* module, const std::string& method, const std::string& route, Handler handler);
  // `segments` are the decoded path segments ("/a/b%2Fc" -> {"a", "b/c"}).
  std::optional<RouteMatch> match(const std::string& method,
                                  const std::vector<std::string>& segments) const;
  // The "api" label for a path no route matches: the module whose templates start with the same
  // first segment, or "unknown".
  std::string api_for(const std::vector<std::string>& segments) const;

 private:
  struct Route {
    ApiModule* module;
    std::string method;
    std::string text;
    std::vector<std::string> parts;  // literal, or "{name}"
    int literals = 0;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Splits a raw path ("/a/b%2Fc") into percent-decoded segments ({"a", "b/c"}).
std::vector<std::string> split_path(const std::string& raw_path);
std::string percent_decode(const std::string& s, bool plus_as_space);

}  // namespace snapfs::emu
