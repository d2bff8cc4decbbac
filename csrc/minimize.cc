#include "minimize.h"

#include <cstddef>
#include <unordered_map>

#include "subset.h"

namespace constrain {

MinimalResult minimize_classes(const int32_t* trans, int32_t n, int32_t k, const int32_t* group) {
  MinimalResult out;
  const auto nk = static_cast<std::size_t>(k);
  std::vector<uint8_t> accepting(static_cast<std::size_t>(n));
  for (int32_t s = 0; s < n; ++s) accepting[static_cast<std::size_t>(s)] = group[s] != 0;
  const std::vector<uint8_t> keep = coreachable(trans, n, k, accepting.data());
  if (!keep[0]) return out;
  // trim: kept states renumbered in order; moves into dropped states die
  std::vector<int32_t> kept_id(static_cast<std::size_t>(n), -1), kept;
  for (int32_t s = 0; s < n; ++s)
    if (keep[static_cast<std::size_t>(s)]) {
      kept_id[static_cast<std::size_t>(s)] = static_cast<int32_t>(kept.size());
      kept.push_back(s);
    }
  const auto m = kept.size();
  const auto moved = [&](std::size_t i, std::size_t c) {
    const int32_t t = trans[static_cast<std::size_t>(kept[i]) * nk + c];
    return t < 0 ? -1 : kept_id[static_cast<std::size_t>(t)];
  };
  // columns: classes every kept state moves on alike share one, numbered by lowest class
  out.column_of_class.resize(nk);
  std::vector<std::size_t> column_class;  // the lowest class of each column
  std::unordered_multimap<uint64_t, std::size_t> column_of_hash;
  for (std::size_t c = 0; c < nk; ++c) {
    uint64_t hash = 0;
    for (std::size_t i = 0; i < m; ++i) hash = (hash ^ static_cast<uint32_t>(moved(i, c) + 1)) * 0x100000001B3ull;
    int64_t found = -1;
    for (auto [at, end] = column_of_hash.equal_range(hash); at != end && found < 0; ++at) {
      bool same = true;
      for (std::size_t i = 0; i < m && same; ++i) same = moved(i, c) == moved(i, column_class[at->second]);
      if (same) found = static_cast<int64_t>(at->second);
    }
    if (found < 0) {
      found = static_cast<int64_t>(column_class.size());
      column_of_hash.emplace(hash, column_class.size());
      column_class.push_back(c);
    }
    out.column_of_class[c] = found;
  }
  const std::size_t nc = column_class.size();
  // Hopcroft on the trimmed DFA completed with a sink (state m, no tags)
  std::vector<int32_t> full((m + 1) * nc, static_cast<int32_t>(m)), full_group(m + 1, 0);
  for (std::size_t i = 0; i < m; ++i) {
    full_group[i] = group[kept[i]];
    for (std::size_t j = 0; j < nc; ++j) {
      const int32_t t = moved(i, column_class[j]);
      if (t >= 0) full[i * nc + j] = t;
    }
  }
  const std::vector<int32_t> block = hopcroft(full.data(), static_cast<int32_t>(m + 1), static_cast<int32_t>(nc),
                                              full_group.data());
  // the quotient over the blocks of the kept states (never the sink's: every kept state
  // reaches acceptance), each read at its lowest member, renumbered breadth-first
  std::vector<int32_t> rep_of_block(m + 1, -1);
  for (std::size_t i = 0; i < m; ++i) {
    int32_t& r = rep_of_block[static_cast<std::size_t>(block[i])];
    if (r < 0) r = static_cast<int32_t>(i);
  }
  std::vector<int32_t> new_id(m + 1, -1);
  std::vector<int32_t> order{block[0]};
  new_id[static_cast<std::size_t>(block[0])] = 0;
  for (std::size_t at = 0; at < order.size(); ++at) {
    const auto r = static_cast<std::size_t>(rep_of_block[static_cast<std::size_t>(order[at])]);
    for (std::size_t j = 0; j < nc; ++j) {
      const int32_t t = full[r * nc + j];
      if (static_cast<std::size_t>(t) == m) continue;
      const auto b = static_cast<std::size_t>(block[static_cast<std::size_t>(t)]);
      if (new_id[b] < 0) {
        new_id[b] = static_cast<int32_t>(order.size());
        order.push_back(static_cast<int32_t>(b));
      }
    }
  }
  out.n_states = static_cast<int32_t>(order.size());
  out.n_columns = static_cast<int32_t>(nc);
  out.trans.resize(order.size() * nc);
  out.rep.resize(order.size());
  for (std::size_t s = 0; s < order.size(); ++s) {
    const auto r = static_cast<std::size_t>(rep_of_block[static_cast<std::size_t>(order[s])]);
    out.rep[s] = kept[r];
    for (std::size_t j = 0; j < nc; ++j) {
      const int32_t t = full[r * nc + j];
      out.trans[s * nc + j] = static_cast<std::size_t>(t) == m ? -1 : new_id[static_cast<std::size_t>(block[static_cast<std::size_t>(t)])];
    }
  }
  return out;
}

}  // namespace constrain
