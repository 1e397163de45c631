// archive::Channel<T> — a bounded, weighted, blocking queue between pipeline
// stages (network → decoder → writer), with close and cancel.
//
// Thread safety: any number of producers and consumers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace tfhub::archive {

template <typename T>
class Channel {
 public:
  // `capacity` bounds the summed weight of queued items; an item heavier
  // than the capacity is still accepted when the queue is empty.
  explicit Channel(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. Returns false (dropping `item`) once cancelled.
  bool Push(T item, size_t weight) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || weight_ == 0 || weight_ + weight <= capacity_; });
    if (cancelled_) return false;
    weight_ += weight;
    items_.emplace_back(std::move(item), weight);
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open. nullopt when closed and drained, or
  // cancelled.
  std::optional<T> Pop() { return PopImpl(/*block=*/true); }

  // Like Pop() but never blocks: nullopt also when nothing is queued now.
  std::optional<T> TryPop() { return PopImpl(/*block=*/false); }

  // True once closed and drained (or cancelled): Pop() would return nullopt
  // without blocking.
  bool Finished() {
    std::lock_guard lock(mu_);
    return cancelled_ || (closed_ && items_.empty());
  }

  // Producer side: no more items will be pushed.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

  // Either side: drop everything and wake all waiters.
  void Cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    items_.clear();
    weight_ = 0;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::optional<T> PopImpl(bool block) {
    std::unique_lock lock(mu_);
    if (block) not_empty_.wait(lock, [&] { return cancelled_ || closed_ || !items_.empty(); });
    if (cancelled_ || items_.empty()) return std::nullopt;
    auto [item, weight] = std::move(items_.front());
    items_.pop_front();
    weight_ -= weight;
    not_full_.notify_all();
    return std::move(item);
  }

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::pair<T, size_t>> items_;
  size_t weight_ = 0;
  bool closed_ = false;
  bool cancelled_ = false;
};

}  // namespace tfhub::archive
