#include "lalr.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "id_table.h"

namespace constrain {

namespace {

constexpr int32_t kNone = INT32_MIN;  // item_next of a complete item

// Fixed-width bitsets stored back to back.
class Bitsets {
 public:
  Bitsets(std::size_t n, std::size_t bits) : words_((bits + 63) / 64), data_(n * words_, 0) {}
  uint64_t* operator[](std::size_t i) { return data_.data() + i * words_; }
  void set(std::size_t i, int32_t bit) { (*this)[i][bit >> 6] |= uint64_t{1} << (bit & 63); }
  void or_into(std::size_t to, std::size_t from) {
    uint64_t* a = (*this)[to];
    const uint64_t* b = (*this)[from];
    for (std::size_t w = 0; w < words_; ++w) a[w] |= b[w];
  }
  void copy(std::size_t to, std::size_t from) { std::copy_n((*this)[from], words_, (*this)[to]); }
  std::size_t words() const { return words_; }

 private:
  std::size_t words_;
  std::vector<uint64_t> data_;
};

// F(x) = F(x) | OR of F(y) for x rel+ y (DeRemer–Pennello digraph, iterative Tarjan).
void digraph(const std::vector<std::vector<int32_t>>& rel, Bitsets& f) {
  const int32_t n = static_cast<int32_t>(rel.size());
  const int32_t done = n + 1;
  std::vector<int32_t> depth(static_cast<std::size_t>(n), 0), order(static_cast<std::size_t>(n), 0), stack;
  std::vector<std::pair<int32_t, std::size_t>> work;
  for (int32_t root = 0; root < n; ++root) {
    if (depth[root]) continue;
    stack.push_back(root);
    depth[root] = order[root] = static_cast<int32_t>(stack.size());
    work.emplace_back(root, 0);
    while (!work.empty()) {
      auto& [x, i] = work.back();
      const auto& succ = rel[x];
      if (i < succ.size()) {
        const int32_t y = succ[i++];
        if (depth[y] == 0) {
          stack.push_back(y);
          depth[y] = order[y] = static_cast<int32_t>(stack.size());
          work.emplace_back(y, 0);
          continue;
        }
        if (depth[y] < depth[x]) depth[x] = depth[y];
        f.or_into(x, y);
        continue;
      }
      const int32_t xx = x;
      work.pop_back();
      if (depth[xx] == order[xx]) {
        while (true) {
          const int32_t z = stack.back();
          stack.pop_back();
          depth[z] = done;
          if (z != xx) f.copy(z, xx);
          if (z == xx) break;
        }
      }
      if (!work.empty()) {
        const int32_t parent = work.back().first;
        if (depth[xx] < depth[parent]) depth[parent] = depth[xx];
        f.or_into(parent, xx);
      }
    }
  }
}

}  // namespace

std::vector<uint8_t> nullable_nonterminals(const std::vector<int32_t>& lhs, const std::vector<int32_t>& rhs_begin,
                                           const std::vector<int32_t>& rhs, int32_t n_nonterminals) {
  const auto n_rules = static_cast<int32_t>(lhs.size());
  std::vector<uint8_t> nullable(static_cast<std::size_t>(n_nonterminals), 0);
  // a rule without terminals waits for its nonterminal occurrences to be found nullable
  std::vector<int32_t> waiting(static_cast<std::size_t>(n_rules)), todo;
  std::vector<int32_t> use_begin(static_cast<std::size_t>(n_nonterminals) + 1, 0), uses;
  for (int32_t r = 0; r < n_rules; ++r) {
    waiting[r] = rhs_begin[r + 1] - rhs_begin[r];
    if (std::any_of(rhs.begin() + rhs_begin[r], rhs.begin() + rhs_begin[r + 1], [](int32_t s) { return s >= 0; }))
      waiting[r] = -1;
    else if (waiting[r] == 0)
      todo.push_back(lhs[r]);
    else
      for (int32_t k = rhs_begin[r]; k < rhs_begin[r + 1]; ++k) ++use_begin[~rhs[k] + 1];
  }
  for (int32_t n = 0; n < n_nonterminals; ++n) use_begin[n + 1] += use_begin[n];
  uses.resize(static_cast<std::size_t>(use_begin.back()));
  std::vector<int32_t> fill(use_begin.begin(), use_begin.end() - 1);
  for (int32_t r = 0; r < n_rules; ++r)
    if (waiting[r] > 0)
      for (int32_t k = rhs_begin[r]; k < rhs_begin[r + 1]; ++k) uses[fill[~rhs[k]]++] = r;
  while (!todo.empty()) {
    const int32_t a = todo.back();
    todo.pop_back();
    if (nullable[a]) continue;
    nullable[a] = 1;
    for (int32_t u = use_begin[a]; u < use_begin[a + 1]; ++u)
      if (--waiting[uses[u]] == 0) todo.push_back(lhs[uses[u]]);
  }
  return nullable;
}

LALRResult build_lalr(const std::vector<int32_t>& lhs, const std::vector<int32_t>& rhs_begin,
                      const std::vector<int32_t>& rhs, int32_t n_terminals, int32_t n_nonterminals,
                      int32_t max_states) {
  LALRResult out;
  const int32_t n_rules = static_cast<int32_t>(lhs.size());
  std::vector<std::vector<int32_t>> by_lhs(static_cast<std::size_t>(n_nonterminals));
  for (int32_t r = 0; r < n_rules; ++r) by_lhs[lhs[r]].push_back(r);

  const std::vector<uint8_t> nullable = nullable_nonterminals(lhs, rhs_begin, rhs, n_nonterminals);

  // LR(0) items: item = base[r] + dot
  std::vector<int32_t> base(static_cast<std::size_t>(n_rules)), item_next, item_rule;
  for (int32_t r = 0; r < n_rules; ++r) {
    base[r] = static_cast<int32_t>(item_next.size());
    for (int32_t k = rhs_begin[r]; k < rhs_begin[r + 1]; ++k) {
      item_next.push_back(rhs[k]);
      item_rule.push_back(r);
    }
    item_next.push_back(kNone);
    item_rule.push_back(r);
  }
  // predicted[n]: the nonterminals whose rules an item before n brings in (n included)
  std::vector<std::vector<int32_t>> predicted(static_cast<std::size_t>(n_nonterminals));
  {
    std::vector<int32_t> seen(static_cast<std::size_t>(n_nonterminals), -1), todo;
    for (int32_t n = 0; n < n_nonterminals; ++n) {
      seen[n] = n;
      todo.assign(1, n);
      predicted[n].push_back(n);
      while (!todo.empty()) {
        const int32_t m = todo.back();
        todo.pop_back();
        for (int32_t r : by_lhs[m]) {
          if (rhs_begin[r] == rhs_begin[r + 1]) continue;
          const int32_t first = rhs[rhs_begin[r]];
          if (first < 0 && seen[~first] != n) {
            seen[~first] = n;
            predicted[n].push_back(~first);
            todo.push_back(~first);
          }
        }
      }
    }
  }

  // kernels, interned: state s's items are kernel_items[kernel_begin[s] .. kernel_begin[s + 1])
  std::vector<int32_t> kernel_items, kernel_begin{0};
  IdTable kernels;
  const auto n_kernels = [&] { return static_cast<int32_t>(kernel_begin.size() - 1); };
  // the state of a kernel (sorted items), added when new; -1 when new past max_states
  const auto kernel_id = [&](const std::vector<int32_t>& kernel) -> int32_t {
    uint64_t h = kernel.size() * 0x9E3779B97F4A7C15ull;
    for (const int32_t it : kernel) h = (h ^ static_cast<uint32_t>(it)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    std::size_t slot = 0;
    const int32_t found = kernels.find(h, [&](int32_t k) {
      return std::equal(kernel.begin(), kernel.end(), kernel_items.begin() + kernel_begin[k],
                        kernel_items.begin() + kernel_begin[k + 1]);
    }, slot);
    if (found >= 0) return found;
    if (n_kernels() >= max_states) return -1;
    kernel_items.insert(kernel_items.end(), kernel.begin(), kernel.end());
    kernel_begin.push_back(static_cast<int32_t>(kernel_items.size()));
    kernels.add(slot, n_kernels() - 1, h);
    return n_kernels() - 1;
  };
  kernel_id({base[0]});
  // trans[s]: (symbol, target) sorted by symbol; reductions[s]: rules complete in s
  std::vector<std::vector<std::pair<int32_t, int32_t>>> trans;
  std::vector<std::vector<int32_t>> reductions;
  std::vector<int32_t> nt_mark(static_cast<std::size_t>(n_nonterminals), -1), items, adv;
  // per state: its symbols' groups numbered by first appearance (group_of[symbol + n_nonterminals],
  // valid where group_stamp matches), and the (group, advanced item) pairs
  const auto n_symbols = static_cast<std::size_t>(n_nonterminals) + static_cast<std::size_t>(n_terminals);
  std::vector<int32_t> group_of(n_symbols), group_stamp(n_symbols, -1), group_symbol;
  std::vector<std::pair<int32_t, int32_t>> moved;
  for (int32_t s = 0; s < n_kernels(); ++s) {
    items.assign(kernel_items.begin() + kernel_begin[s], kernel_items.begin() + kernel_begin[s + 1]);
    const int32_t stamp = s;
    const std::size_t kernel_size = items.size();
    for (std::size_t k = 0; k < kernel_size; ++k) {
      const int32_t sym = item_next[items[k]];
      if (sym == kNone || sym >= 0) continue;
      for (int32_t n : predicted[~sym])
        if (nt_mark[n] != stamp) {
          nt_mark[n] = stamp;
          for (int32_t r : by_lhs[n]) items.push_back(base[r]);
        }
    }
    group_symbol.clear();
    moved.clear();
    std::vector<int32_t> reds;
    for (int32_t it : items) {
      const int32_t sym = item_next[it];
      if (sym == kNone) {
        reds.push_back(item_rule[it]);
        continue;
      }
      const auto slot = static_cast<std::size_t>(sym + n_nonterminals);
      if (group_stamp[slot] != stamp) {
        group_stamp[slot] = stamp;
        group_of[slot] = static_cast<int32_t>(group_symbol.size());
        group_symbol.push_back(sym);
      }
      moved.emplace_back(group_of[slot], it + 1);
    }
    std::sort(moved.begin(), moved.end());
    std::vector<std::pair<int32_t, int32_t>> row;
    for (std::size_t i = 0; i < moved.size();) {
      const int32_t g = moved[i].first;
      adv.clear();
      for (; i < moved.size() && moved[i].first == g; ++i)
        if (adv.empty() || adv.back() != moved[i].second) adv.push_back(moved[i].second);
      const int32_t target = kernel_id(adv);
      if (target < 0) {
        out.too_large = true;
        return out;
      }
      row.emplace_back(group_symbol[static_cast<std::size_t>(g)], target);
    }
    std::sort(row.begin(), row.end());
    trans.push_back(std::move(row));
    reductions.push_back(std::move(reds));
  }
  const int32_t n_states = n_kernels();
  // DeRemer–Pennello: Read and Follow sets of the nonterminal transitions.
  std::vector<std::pair<int32_t, int32_t>> nt_trans;  // (state, nonterminal)
  std::vector<int32_t> nt_begin(static_cast<std::size_t>(n_states) + 1, 0);
  for (int32_t p = 0; p < n_states; ++p) {
    for (auto it = trans[p].begin(); it != trans[p].end() && it->first < 0; ++it) nt_trans.emplace_back(p, ~it->first);
    nt_begin[p + 1] = static_cast<int32_t>(nt_trans.size());
  }
  // position of symbol `sym`'s move in trans[p] (present by construction); nonterminal
  // symbols sort first, in ascending symbol order (descending nonterminal id), so the index of
  // nonterminal transition (p, a) is nt_begin[p] + the position of ~a
  auto position = [&](int32_t p, int32_t sym) {
    const auto& row = trans[p];
    return static_cast<int32_t>(std::lower_bound(row.begin(), row.end(), std::make_pair(sym, INT32_MIN)) - row.begin());
  };
  const std::size_t n_nt = nt_trans.size();
  Bitsets follow(n_nt, static_cast<std::size_t>(n_terminals));
  std::vector<std::vector<int32_t>> reads(n_nt), includes(n_nt);
  for (std::size_t i = 0; i < n_nt; ++i) {
    const int32_t p = nt_trans[i].first;
    const int32_t r = trans[p][i - static_cast<std::size_t>(nt_begin[p])].second;
    const auto& row = trans[r];
    for (std::size_t k = 0; k < row.size(); ++k) {
      const int32_t sym = row[k].first;
      if (sym >= 0)
        follow.set(i, sym);
      else if (nullable[~sym])
        reads[i].push_back(nt_begin[r] + static_cast<int32_t>(k));
    }
  }
  digraph(reads, follow);  // now the Read sets
  // lookback: (state, rule, nt transition) triples, grouped by state below
  std::vector<std::array<int32_t, 3>> lookback;
  for (std::size_t idx = 0; idx < n_nt; ++idx) {
    const auto [p, b] = nt_trans[idx];
    for (int32_t r : by_lhs[b]) {
      int32_t nullable_from = rhs_begin[r + 1];
      while (nullable_from > rhs_begin[r] && rhs[nullable_from - 1] < 0 && nullable[~rhs[nullable_from - 1]])
        --nullable_from;
      int32_t q = p;
      for (int32_t k = rhs_begin[r]; k < rhs_begin[r + 1]; ++k) {
        const int32_t sym = rhs[k];
        const int32_t at = position(q, sym);
        if (sym < 0 && k + 1 >= nullable_from) includes[nt_begin[q] + at].push_back(static_cast<int32_t>(idx));
        q = trans[q][at].second;
      }
      lookback.push_back({q, r, static_cast<int32_t>(idx)});
    }
  }
  // counting sort by state: state p's (rule, nt transition) pairs are at lookback_begin[p]..[p+1]
  std::vector<int32_t> lookback_begin(static_cast<std::size_t>(n_states) + 1, 0);
  for (const auto& t : lookback) ++lookback_begin[static_cast<std::size_t>(t[0]) + 1];
  for (int32_t p = 0; p < n_states; ++p) lookback_begin[p + 1] += lookback_begin[p];
  std::vector<std::pair<int32_t, int32_t>> lookback_of(lookback.size());
  {
    std::vector<int32_t> fill(lookback_begin.begin(), lookback_begin.end() - 1);
    for (const auto& t : lookback) lookback_of[static_cast<std::size_t>(fill[t[0]]++)] = {t[1], t[2]};
  }
  digraph(includes, follow);  // now the Follow sets

  std::vector<int32_t> row_value(static_cast<std::size_t>(n_terminals), kNone), touched;
  std::vector<uint64_t> la(follow.words());
  out.row_begin.push_back(0);
  for (int32_t p = 0; p < n_states; ++p) {
    touched.clear();
    for (const auto& [sym, t] : trans[p]) {
      if (sym < 0) {
        out.row_symbol.push_back(sym);
        out.row_value.push_back(t);
      } else {
        row_value[sym] = t;
        touched.push_back(sym);
      }
    }
    for (int32_t r : reductions[p]) {
      if (r == 0) continue;
      std::fill(la.begin(), la.end(), 0);
      for (int32_t k = lookback_begin[p]; k < lookback_begin[p + 1]; ++k) {
        const auto [rule, idx] = lookback_of[static_cast<std::size_t>(k)];
        if (rule == r)
          for (std::size_t w = 0; w < la.size(); ++w) la[w] |= follow[static_cast<std::size_t>(idx)][w];
      }
      for (std::size_t w = 0; w < la.size(); ++w)
        for (uint64_t bits = la[w]; bits; bits &= bits - 1) {
          const int32_t t = static_cast<int32_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
          if (row_value[t] != kNone) {
            out.conflicts.insert(out.conflicts.end(), {p, t, r, row_value[t] >= 0 ? 0 : 1});
          } else {
            row_value[t] = ~r;
            touched.push_back(t);
          }
        }
    }
    std::sort(touched.begin(), touched.end());
    for (int32_t t : touched) {
      out.row_symbol.push_back(t);
      out.row_value.push_back(row_value[t]);
      row_value[t] = kNone;
    }
    out.row_begin.push_back(static_cast<int32_t>(out.row_symbol.size()));
  }
  out.n_states = n_states;
  return out;
}

}  // namespace constrain
