#include "slices.h"

#include "byte_dfa.h"

namespace constrain {

bool SliceLanguage::accepts(const uint8_t* data, size_t n) const {
  int32_t s = 0;
  for (size_t i = 0; i < n && s >= 0; ++i) s = trans[static_cast<size_t>(s) * 256 + data[i]];
  return s >= 0 && accepting[static_cast<size_t>(s)];
}

namespace {

// A set of (language state, DFA state) pairs: open addressing over a power-of-two table that
// doubles when half full.
class PairSet {
 public:
  PairSet() : slots_(64, kEmpty) {}

  // Inserts the pair; false when it was there already.
  bool insert(int32_t a, int32_t b) {
    const uint64_t key = static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32 | static_cast<uint32_t>(b);
    if (!place(slots_, key)) return false;
    if (++size_ * 2 > slots_.size()) {
      std::vector<uint64_t> bigger(slots_.size() * 2, kEmpty);
      for (uint64_t k : slots_)
        if (k != kEmpty) place(bigger, k);
      slots_.swap(bigger);
    }
    return true;
  }

 private:
  static constexpr uint64_t kEmpty = ~0ull;

  static bool place(std::vector<uint64_t>& slots, uint64_t key) {
    const size_t mask = slots.size() - 1;
    for (size_t i = (key * 0x9E3779B97F4A7C15ull) >> 32 & mask;; i = (i + 1) & mask) {
      if (slots[i] == key) return false;
      if (slots[i] == kEmpty) {
        slots[i] = key;
        return true;
      }
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace

void SliceLanguage::index_classes() {
  const ClassTable classes = class_table(trans.data(), n_states);
  class_of = classes.class_of;
  n_classes = classes.n_classes;
}

bool keeps_alive(const SliceLanguage& language, const ClassTable& table, const uint8_t* live, int32_t state,
                 size_t budget) {
  // one byte of each (language class, table class) pair that some byte is in: the bytes
  // of a pair move alike in both automata
  std::vector<uint8_t> pair_seen(static_cast<size_t>(language.n_classes) * static_cast<size_t>(table.n_classes));
  std::array<uint8_t, 256> bytes;
  size_t n_bytes = 0;
  for (int b = 0; b < 256; ++b) {
    const size_t k = static_cast<size_t>(language.class_of[b]) * static_cast<size_t>(table.n_classes) + table.class_of[b];
    if (!pair_seen[k]) {
      pair_seen[k] = 1;
      bytes[n_bytes++] = static_cast<uint8_t>(b);
    }
  }
  PairSet seen;
  std::vector<std::pair<int32_t, int32_t>> todo{{0, state}};
  seen.insert(0, state);
  size_t tried = 0;
  const int32_t* lang = language.trans.data();
  while (!todo.empty()) {
    const auto [r, s] = todo.back();
    todo.pop_back();
    tried += n_bytes;
    if (tried > budget) return false;
    const int32_t* lang_row = lang + static_cast<size_t>(r) * 256;
    for (size_t i = 0; i < n_bytes; ++i) {
      const uint8_t b = bytes[i];
      const int32_t r2 = lang_row[b];
      if (r2 < 0) continue;
      const int32_t s2 = table.move(s, b);
      if (s2 < 0 || (live != nullptr && !live[s2])) return false;
      if (seen.insert(r2, s2)) todo.emplace_back(r2, s2);
    }
  }
  return true;
}

}  // namespace constrain
