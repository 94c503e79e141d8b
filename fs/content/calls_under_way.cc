#include "fs/content/calls_under_way.h"

#include <chrono>

#include "providers/common/log.h"

namespace snapfs::content {

CallsUnderWay::Call::Call(std::shared_ptr<CallsUnderWay> calls) : calls_(std::move(calls)) {
  MutexLock lock(calls_->mu_);
  id_ = calls_->next_id_++;
  calls_->started_.emplace(id_, OpContext::Clock::now());
}

CallsUnderWay::Call::~Call() {
  MutexLock lock(calls_->mu_);
  calls_->started_.erase(id_);
  if (calls_->warned_about_ == id_) {
    log_info("snapshot files: " + calls_->dir_ + " answers again");
    calls_->warned_about_ = ~std::uint64_t{0};
  }
}

bool CallsUnderWay::stuck_for(const OpContext& ctx) {
  const auto now = OpContext::Clock::now();
  MutexLock lock(mu_);
  if (started_.empty()) return false;
  const auto& [id, since] = *started_.begin();
  if (now - since <= ctx.deadline() - now) return false;
  ++refused_;
  if (warned_about_ != id) {
    warned_about_ = id;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
    log_warning("snapshot files: a call on " + dir_ + " has not returned for " +
                std::to_string(seconds) + " s; its calls answer ETIMEDOUT at once until it does");
  }
  return true;
}

std::uint64_t CallsUnderWay::refused() const {
  MutexLock lock(mu_);
  return refused_;
}

}  // namespace snapfs::content
