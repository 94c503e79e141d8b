// The list of API modules the emulator serves.
#pragma once

#include <memory>
#include <vector>

#include "emulator/api_module.h"

namespace snapfs::emu {

std::vector<std::unique_ptr<ApiModule>> make_modules(EmuContext& ctx);

}  // namespace snapfs::emu
