// Hash of an int32 vector, for maps keyed by state sets (subset.cc, lalr.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace constrain {

struct VecHash {
  std::size_t operator()(const std::vector<int32_t>& v) const {
    std::size_t h = v.size();
    for (int32_t x : v) h = (h ^ static_cast<uint32_t>(x)) * 0x9E3779B97F4A7C15ull;
    return h;
  }
};

}  // namespace constrain
