// user.snapfs.schedule of a naver-nas volume: the snapshot configuration of
// changeNasVolumeSnapshotConfiguration in one line.
//   "weekly sun 03:00 ratio=20"  automatic snapshot every Sunday at 03:00 KST, 20 % reserve
//   "daily 03:00 ratio=20"       every day at 03:00
//   "ratio=20"                   no automatic snapshots, 20 % of the volume reserved
//   ""                           (write) no automatic snapshots, reserve unchanged;
//                                (read) no automatic snapshots and no reserve
// NAVER runs schedules on the hour, so minutes must be 00. Omitting ratio= keeps the current one.
#pragma once

#include <optional>
#include <string>

#include "providers/result.h"

namespace snapfs {

struct NaverSchedule {
  std::optional<int> day;    // -1 daily, 0 (Sunday) .. 6 (Saturday); nullopt: none
  int hour = 0;              // 0..23, KST
  std::optional<int> ratio;  // 0..99 %; nullopt: keep the volume's
};

// InvalidArgument with the reason for anything malformed.
Result<NaverSchedule> parse_naver_schedule(const std::string& text);
// The value shown for a volume's configuration (day as above, ratio in %).
std::string format_naver_schedule(std::optional<int> day, int hour, double ratio);
// The API's day code ("-1", "0".."6") from a volume, nullopt when it has no schedule.
std::optional<int> naver_schedule_day(const std::string& day_code, const std::string& period_code);

}  // namespace snapfs
