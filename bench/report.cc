#include "bench/report.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace snapfs::bench {
namespace {

std::string number(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (std::fabs(v) >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (std::fabs(v) >= 10) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else if (std::fabs(v) >= 1) {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", v);
  }
  return buf;
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string bound_text(const Figure& f) {
  std::string out;
  if (f.bound) out = number(*f.bound) + (f.unit.empty() ? "" : " " + f.unit);
  if (!f.target.empty()) out += (out.empty() ? "" : "; ") + f.target;
  return out.empty() ? "-" : out;
}

// Figures in their numbering order (1, 2a, 2b, ..., 8, 8c), whatever order they ran in.
std::vector<Figure> in_order(const std::vector<Figure>& figures) {
  std::vector<Figure> sorted = figures;
  auto key = [](const Figure& f) {
    std::size_t digits = 0;
    while (digits < f.id.size() && std::isdigit(static_cast<unsigned char>(f.id[digits]))) {
      ++digits;
    }
    int n = digits > 0 ? std::stoi(f.id.substr(0, digits)) : 0;
    return std::make_pair(n, f.id.substr(digits));
  };
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const Figure& a, const Figure& b) { return key(a) < key(b); });
  return sorted;
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_pairs(Writer& w, const std::vector<std::pair<std::string, std::string>>& pairs) {
  w.StartObject();
  for (const auto& [k, v] : pairs) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
}

void write_optional(Writer& w, const char* key, const std::optional<double>& v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

void write_figure(Writer& w, const Figure& f) {
  w.StartObject();
  w.Key("id");
  w.String(f.id);
  w.Key("name");
  w.String(f.name);
  w.Key("value");
  w.Double(f.value);
  w.Key("unit");
  w.String(f.unit);
  write_optional(w, "bound", f.bound);
  w.Key("target");
  w.String(f.target);
  write_optional(w, "ratio", f.ratio);
  w.Key("verdict");
  w.String(verdict_name(f.verdict));
  w.Key("raw");
  w.StartObject();
  for (const auto& [k, v] : f.raw) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.Double(v);
  }
  w.EndObject();
  w.Key("note");
  w.String(f.note);
  w.EndObject();
}

}  // namespace

Figure& Report::add(Figure figure) {
  figures.push_back(std::move(figure));
  return figures.back();
}

bool Report::any(Verdict verdict) const {
  for (const Figure& f : figures) {
    if (f.verdict == verdict) return true;
  }
  return false;
}

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass: return "pass";
    case Verdict::kMiss: return "MISS";
    case Verdict::kInfo: return "info";
    case Verdict::kError: return "ERROR";
  }
  return "?";
}

std::string format_table(const Report& report) {
  std::ostringstream out;
  out << pad("#", 4) << pad("figure", 42) << pad("value", 9) << pad("unit", 7)
      << pad("bound; target", 36) << pad("ratio", 7) << "verdict\n";
  out << std::string(112, '-') << "\n";
  for (const Figure& f : in_order(report.figures)) {
    out << pad(f.id, 4) << pad(f.name, 42) << pad(number(f.value), 9) << pad(f.unit, 7)
        << pad(bound_text(f), 36) << pad(f.ratio ? number(*f.ratio) : "-", 7)
        << verdict_name(f.verdict) << "\n";
  }
  if (!report.cold_crawl_routes.empty()) {
    out << "\nFigure 5, cold crawl requests by route (expected = list pages the data set needs):\n";
    for (const RouteRow& r : report.cold_crawl_routes) {
      out << "  " << pad(r.route, 82) << pad(std::to_string(r.actual), 6) << "expected "
          << r.expected << (r.actual == r.expected ? "" : "   <-- differs") << "\n";
    }
  }
  std::vector<std::string> notes;
  for (const Figure& f : in_order(report.figures)) {
    if (!f.note.empty()) notes.push_back(f.id + ": " + f.note);
  }
  notes.insert(notes.end(), report.notes.begin(), report.notes.end());
  if (!notes.empty()) {
    out << "\nNotes:\n";
    for (const std::string& n : notes) out << "  " << n << "\n";
  }
  return out.str();
}

std::string to_json(const Report& report) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("machine");
  write_pairs(w, report.machine);
  w.Key("config");
  write_pairs(w, report.config);
  w.Key("figures");
  w.StartArray();
  for (const Figure& f : in_order(report.figures)) write_figure(w, f);
  w.EndArray();
  w.Key("cold_crawl_routes");
  w.StartArray();
  for (const RouteRow& r : report.cold_crawl_routes) {
    w.StartObject();
    w.Key("route");
    w.String(r.route);
    w.Key("expected");
    w.Int64(r.expected);
    w.Key("actual");
    w.Int64(r.actual);
    w.EndObject();
  }
  w.EndArray();
  w.Key("notes");
  w.StartArray();
  for (const std::string& n : report.notes) w.String(n);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace snapfs::bench
