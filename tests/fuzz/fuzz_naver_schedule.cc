// user.snapfs.schedule values of naver-nas volumes, and the day codes read back from the API.
#include <cstddef>
#include <cstdint>

#include "providers/naver/naver_schedule.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace snapfs;
  const std::string text = fuzz::as_string(data, size);

  auto parsed = parse_naver_schedule(text);
  if (parsed.ok()) {
    const NaverSchedule& schedule = parsed.value();
    // What the parser accepts must lie in the ranges its header promises.
    if (schedule.hour < 0 || schedule.hour > 23) __builtin_trap();
    if (schedule.day && (*schedule.day < -1 || *schedule.day > 6)) __builtin_trap();
    if (schedule.ratio && (*schedule.ratio < 0 || *schedule.ratio > 99)) __builtin_trap();
    (void)format_naver_schedule(schedule.day, schedule.hour, schedule.ratio.value_or(0));
  }
  (void)naver_schedule_day(text, "DAY");
  (void)naver_schedule_day(text, "WEEK");
  (void)naver_schedule_day("0", text);
  return 0;
}
