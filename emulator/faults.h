// Fault injection (`--fault SPEC` and POST /_emulator/faults). A SPEC is comma-separated:
//   status=N        answer N with the module's error body; the request is NOT applied
//   retry-after=N   add `Retry-After: N` to the answer
//   delay-ms=N      sleep N ms first, then go on (a black hole when N exceeds the client timeout)
//   reset           apply the request, then drop the connection before the body
//   truncate        apply the request, send half the body with the full Content-Length, drop
//   garbage         apply the request, answer 200 with the module's malformed body
//   rate=P          probability of firing, 0..1 (default 1)
//   count=N         fire only for the next N matching requests (default unlimited)
//   route=GLOB      `*` glob over the request path or the route template (default every route)
//   method=M        only this HTTP method
// Faults only touch API routes that a module serves, never /_emulator routes. The first fault in
// the list that matches and fires decides; it may combine delay-ms with any other effect.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace snapfs::emu {

enum class FaultBreak { kNone, kReset, kTruncate, kGarbage };

struct FaultSpec {
  int status = 0;        // 0: none
  int retry_after = -1;  // seconds; -1: none
  int delay_ms = 0;
  FaultBreak breakage = FaultBreak::kNone;
  double rate = 1.0;
  long long count = -1;  // -1: unlimited
  std::string route;     // empty: every route
  std::string method;    // empty: every method
  std::string text;      // the spec as given
};

// Parses one SPEC; on failure returns nullopt and says why in *error.
std::optional<FaultSpec> parse_fault_spec(const std::string& text, std::string* error);

class FaultTable {
 public:
  FaultTable();
  void set(std::vector<FaultSpec> faults);
  void clear();
  std::vector<std::string> describe() const;
  // The fault that fires for this request, if any; consumes one of its `count`.
  std::optional<FaultSpec> pick(const std::string& method, const std::string& path,
                                const std::string& route_template);

 private:
  mutable std::mutex mu_;
  std::vector<FaultSpec> faults_;
  std::mt19937_64 rng_;
};

}  // namespace snapfs::emu
