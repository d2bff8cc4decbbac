#include "lr_run.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace constrain {

LRTables::LRTables(int32_t n_states_, std::vector<int32_t> row_begin_, std::vector<int32_t> split_,
                   std::vector<int32_t> symbols_, std::vector<int32_t> values_, std::vector<int32_t> rule_len_,
                   std::vector<int32_t> rule_lhs_)
    : n_states(n_states_), row_begin(std::move(row_begin_)), split(std::move(split_)), symbols(std::move(symbols_)),
      values(std::move(values_)), rule_len(std::move(rule_len_)), rule_lhs(std::move(rule_lhs_)) {
  if (n_states < 0 || row_begin.size() != static_cast<size_t>(n_states) + 1 || split.size() != static_cast<size_t>(n_states) ||
      symbols.size() != values.size() || row_begin.back() != static_cast<int32_t>(symbols.size()) ||
      rule_len.size() != rule_lhs.size())
    throw std::invalid_argument("LRTables: inconsistent rows");
  std::vector<std::pair<int32_t, int32_t>> gotos;
  for (int32_t s = 0; s < n_states; ++s) {
    const int32_t b = row_begin[s], m = split[s], e = row_begin[s + 1];
    if (b > m || m > e) throw std::invalid_argument("LRTables: inconsistent rows");
    gotos.clear();
    for (int32_t j = b; j < m; ++j) gotos.emplace_back(symbols[j], values[j]);
    std::sort(gotos.begin(), gotos.end());
    for (int32_t j = b; j < m; ++j) std::tie(symbols[j], values[j]) = gotos[static_cast<size_t>(j - b)];
    if (!std::is_sorted(symbols.begin() + m, symbols.begin() + e))
      throw std::invalid_argument("LRTables: a row's actions are not sorted");
  }
  for (const int32_t lhs : rule_lhs)
    if (lhs < 0) throw std::invalid_argument("LRTables: a rule's left-hand side is negative");
}

int32_t LRTables::goto_after(int32_t state, int32_t a) const {
  const int32_t g = go(state, rule_lhs[static_cast<size_t>(~a)]);
  if (g == kNoAction) throw std::logic_error("LRTables: no goto after a reduction (the stack is not the parser's)");
  return g;
}

int32_t LRTables::find(int32_t begin, int32_t end, int32_t symbol) const {
  const auto first = symbols.begin() + begin, last = symbols.begin() + end;
  const auto at = std::lower_bound(first, last, symbol);
  return at != last && *at == symbol ? values[static_cast<size_t>(at - symbols.begin())] : kNoAction;
}

}  // namespace constrain
