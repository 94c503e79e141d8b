// The benchmark's result: one row per figure (value, bound, ratio, verdict, raw numbers), the
// per-route request table of the cold crawl, and the machine it ran on. Printed as a table and
// written as JSON.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace snapfs::bench {

enum class Verdict {
  kPass,   // within its bound or target
  kMiss,   // measured, outside its bound or target
  kInfo,   // reported without a target
  kError,  // could not be measured (the note says why)
};

struct Figure {
  std::string id;    // "1", "2a", ...
  std::string name;  // what was measured
  double value = 0;
  std::string unit;
  std::optional<double> bound;  // the figure's bound, in `unit`, when it has one
  std::string target;           // e.g. "ratio <= 1.5", "= 0"
  std::optional<double> ratio;  // value / bound
  Verdict verdict = Verdict::kInfo;
  std::vector<std::pair<std::string, double>> raw;  // the numbers behind the value
  std::string note;
};

struct RouteRow {
  std::string route;  // "GET /instance/v1/zones/{zone}/snapshots"
  long long expected = 0;
  long long actual = 0;
};

struct Report {
  std::vector<std::pair<std::string, std::string>> machine;
  std::vector<std::pair<std::string, std::string>> config;
  std::vector<Figure> figures;
  std::vector<RouteRow> cold_crawl_routes;
  std::vector<std::string> notes;

  Figure& add(Figure figure);
  bool any(Verdict verdict) const;
};

const char* verdict_name(Verdict verdict);

std::string format_table(const Report& report);
std::string to_json(const Report& report);

}  // namespace snapfs::bench
