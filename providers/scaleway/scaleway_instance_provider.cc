#include "providers/scaleway/scaleway_instance_provider.h"

namespace snapfs {
namespace {

std::string page_query(int page, int page_size) {
  return "per_page=" + std::to_string(page_size) + "&page=" + std::to_string(page);
}

std::optional<std::int64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The Instance API says the total in a header, not in the body.
std::optional<std::int64_t> list_total(const HttpResponse& response, const rapidjson::Value&) {
  return parse_count(response.header("x-total-count"));
}

constexpr ScalewayStateWord kStates[] = {{"snapshotting", "creating"}, {"invalid_data", "error"}};

}  // namespace

const ScalewayApi kScalewayInstanceApi = {
    .prefix = "/instance/v1",
    .noun = "an Instance",
    .paging = {page_query, list_total},
    .names = {"creation_date", "state", "project", "base_volume", "base_volume_id"},
    .states = kStates,
    .bodies = {.wrapped = true, .name_first = true, .empty_tags = false},
};

}  // namespace snapfs
