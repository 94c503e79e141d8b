// The logging helper: text from the API or from file names can neither forge a log line nor make
// one huge.
#include "providers/common/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace snapfs {
namespace {

TEST(LogSafeText, ControlCharactersAreEscaped) {
  EXPECT_EQ(log_safe_text("plain text, caf\xc3\xa9"), "plain text, caf\xc3\xa9");
  EXPECT_EQ(log_safe_text("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(log_safe_text(std::string("nul\0esc\x1b[2J del\x7f", 16)),
            "nul\\x00esc\\x1b[2J del\\x7f");
  // C1 controls (U+009B is a CSI on some terminals).
  EXPECT_EQ(log_safe_text(std::string("x\xc2\x9b") + "31m"), "x\\u009b31m");
}

TEST(LogSafeText, LongValuesAreCutAndCounted) {
  std::string huge(64 * 1024, 'v');
  std::string safe = log_safe_text("tag " + huge);
  EXPECT_LE(safe.size(), kMaxLogMessageBytes + 64);
  EXPECT_NE(safe.find("more bytes)"), std::string::npos) << safe.substr(safe.size() - 40);
  // A cut never splits a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 4000; ++i) accents += "\xc3\xa9";
  std::string cut = log_safe_text("x" + accents);
  std::size_t end = cut.find("... (");
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ((end - 1) % 2, 0u) << "a two-byte character was split";
}

TEST(LogSafeText, AForgedLineStaysOnItsOwnLine) {
  set_log_level(LogLevel::Info);
  testing::internal::CaptureStderr();
  log_warning("cannot create snap\n2026-01-01T00:00:00Z snapfs info: all good");
  std::string written = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 1) << written;
  EXPECT_NE(written.find("snap\\n2026"), std::string::npos) << written;
}

}  // namespace
}  // namespace snapfs
