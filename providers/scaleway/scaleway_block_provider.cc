#include "providers/scaleway/scaleway_block_provider.h"

#include "providers/common/json_util.h"

namespace snapfs {
namespace {

std::string page_query(int page, int page_size) {
  return "page=" + std::to_string(page) + "&page_size=" + std::to_string(page_size);
}

std::optional<std::int64_t> list_total(const HttpResponse&, const rapidjson::Value& body) {
  auto total = json_int64(body, "total_count");
  if (total && *total < 0) return std::nullopt;
  return total;
}

// "in_use" (a snapshot that an image references) is not listed: it shows unchanged.
constexpr ScalewayStateWord kStates[] = {
    {"locked", "busy"}, {"exporting", "busy"}, {"deleted", "deleting"}};

}  // namespace

const ScalewayApi kScalewayBlockApi = {
    .prefix = "/block/v1",
    .noun = "a Block",
    .paging = {page_query, list_total},
    .names = {"created_at", "status", "project_id", "parent_volume", "volume_id"},
    .states = kStates,
    .bodies = {.wrapped = false, .name_first = false, .empty_tags = true},
};

}  // namespace snapfs
