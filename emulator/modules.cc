#include "emulator/modules.h"

namespace snapfs::emu {

// One line per API module; the order is the order of sections in /_emulator/state.
std::vector<std::unique_ptr<ApiModule>> make_modules(EmuContext& ctx) {
  std::vector<std::unique_ptr<ApiModule>> modules;
  modules.push_back(make_scaleway_module(ctx));
  modules.push_back(make_naver_module(ctx));
  modules.push_back(make_ovh_module(ctx));
  return modules;
}

}  // namespace snapfs::emu
