#include "lalr.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "id_table.h"

namespace constrain {

namespace {

constexpr int32_t kNone = INT32_MIN;  // item_next of a complete item

// A deadline read every 1024th `passed()` (the steps it is asked between take nanoseconds to
// microseconds); once passed, it stays passed.
class DeadlineCheck {
 public:
  explicit DeadlineCheck(std::chrono::steady_clock::time_point deadline)
      : deadline_(deadline), unlimited_(deadline == std::chrono::steady_clock::time_point::max()) {}
  bool passed() {
    if (passed_) return true;
    if (unlimited_ || (++calls_ & 1023u) != 0) return false;
    passed_ = std::chrono::steady_clock::now() > deadline_;
    return passed_;
  }

 private:
  std::chrono::steady_clock::time_point deadline_;
  bool unlimited_;
  bool passed_ = false;
  uint32_t calls_ = 0;
};

// The result of a build its limits stopped: empty tables and why.
LALRResult stopped_by(LALRStop why) {
  LALRResult out;
  out.stopped = why;
  return out;
}

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

// A relation over 0..n-1 in compressed rows: x's successors are to[begin[x] .. begin[x+1]).
struct Relation {
  std::vector<int32_t> begin, to;
  int32_t size() const { return static_cast<int32_t>(begin.size()) - 1; }
};

// The relation of the pairs (from[i], to[i]) over 0..n-1, each row in the order given (a
// counting sort by `from`: no vector per row).
Relation relation_of(std::size_t n, const std::vector<int32_t>& from, const std::vector<int32_t>& to) {
  Relation rel{std::vector<int32_t>(n + 1, 0), std::vector<int32_t>(to.size())};
  for (const int32_t x : from) ++rel.begin[static_cast<std::size_t>(x) + 1];
  for (std::size_t x = 0; x < n; ++x) rel.begin[x + 1] += rel.begin[x];
  std::vector<int32_t> fill(rel.begin.begin(), rel.begin.end() - 1);
  for (std::size_t i = 0; i < from.size(); ++i) rel.to[static_cast<std::size_t>(fill[from[i]]++)] = to[i];
  return rel;
}

// F(x) = F(x) | OR of F(y) for x rel+ y (DeRemer–Pennello digraph, iterative Tarjan); false
// when the deadline passed first (f is then partly propagated).
bool digraph(const Relation& rel, Bitsets& f, DeadlineCheck& deadline) {
  const int32_t n = rel.size();
  const int32_t done = n + 1;
  std::vector<int32_t> depth(static_cast<std::size_t>(n), 0), order(static_cast<std::size_t>(n), 0), stack;
  std::vector<std::pair<int32_t, int32_t>> work;   // (x, position of its next successor in rel.to)
  for (int32_t root = 0; root < n; ++root) {
    if (depth[root]) continue;
    stack.push_back(root);
    depth[root] = order[root] = static_cast<int32_t>(stack.size());
    work.emplace_back(root, rel.begin[root]);
    while (!work.empty()) {
      if (deadline.passed()) return false;
      auto& [x, i] = work.back();
      if (i < rel.begin[x + 1]) {
        const int32_t y = rel.to[i++];
        if (depth[y] == 0) {
          stack.push_back(y);
          depth[y] = order[y] = static_cast<int32_t>(stack.size());
          work.emplace_back(y, rel.begin[y]);
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
  return true;
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
                      const LALRLimits& limits) {
  LALRResult out;
  DeadlineCheck deadline(limits.deadline);
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
    std::size_t entries = 0;    // int32s in the lists so far, two to a word
    for (int32_t n = 0; n < n_nonterminals; ++n) {
      if (deadline.passed()) return stopped_by(LALRStop::kDeadline);
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
      if ((entries += predicted[n].size()) / 2 > limits.max_set_words) return stopped_by(LALRStop::kSets);
    }
  }

  // kernels, interned: state s's items are kernel_items[kernel_begin[s] .. kernel_begin[s + 1])
  std::vector<int32_t> kernel_items, kernel_begin{0};
  IdTable kernels;
  const auto n_kernels = [&] { return static_cast<int32_t>(kernel_begin.size() - 1); };
  // the state of the kernel [first, last) (sorted items), added when new; -1 when new past max_states
  const auto kernel_id = [&](const int32_t* first, const int32_t* last) -> int32_t {
    uint64_t h = static_cast<uint64_t>(last - first) * 0x9E3779B97F4A7C15ull;
    for (const int32_t* it = first; it != last; ++it) h = (h ^ static_cast<uint32_t>(*it)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    std::size_t slot = 0;
    const int32_t found = kernels.find(h, [&](int32_t k) {
      return std::equal(first, last, kernel_items.begin() + kernel_begin[k], kernel_items.begin() + kernel_begin[k + 1]);
    }, slot);
    if (found >= 0) return found;
    if (n_kernels() >= limits.max_states) return -1;
    kernel_items.insert(kernel_items.end(), first, last);
    kernel_begin.push_back(static_cast<int32_t>(kernel_items.size()));
    kernels.add(slot, n_kernels() - 1, h);
    return n_kernels() - 1;
  };
  kernel_id(&base[0], &base[0] + 1);
  // state s's moves are (trans_symbol, trans_target)[trans_begin[s] .. trans_begin[s + 1]),
  // ascending by symbol; its complete rules are reduction[reduction_begin[s] .. [s + 1]).
  // States are expanded in id order, so each appends its rows.
  std::vector<int32_t> trans_begin{0}, trans_symbol, trans_target, reduction_begin{0}, reduction;
  std::vector<int32_t> nt_mark(static_cast<std::size_t>(n_nonterminals), -1), items;
  // per state: its symbols' groups numbered by first appearance (group_of[symbol + n_nonterminals],
  // valid where group_stamp matches), the advanced items bucketed by group (counting sort)
  const auto n_symbols = static_cast<std::size_t>(n_nonterminals) + static_cast<std::size_t>(n_terminals);
  std::vector<int32_t> group_of(n_symbols), group_stamp(n_symbols, -1), group_symbol, group_begin, bucket, fill;
  std::vector<std::pair<int32_t, int32_t>> row;
  for (int32_t s = 0; s < n_kernels(); ++s) {
    if (deadline.passed()) return stopped_by(LALRStop::kDeadline);
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
    group_begin.assign(1, 0);
    for (int32_t it : items) {
      const int32_t sym = item_next[it];
      if (sym == kNone) {
        reduction.push_back(item_rule[it]);
        continue;
      }
      const auto slot = static_cast<std::size_t>(sym + n_nonterminals);
      if (group_stamp[slot] != stamp) {
        group_stamp[slot] = stamp;
        group_of[slot] = static_cast<int32_t>(group_symbol.size());
        group_symbol.push_back(sym);
        group_begin.push_back(0);
      }
      ++group_begin[static_cast<std::size_t>(group_of[slot]) + 1];
    }
    reduction_begin.push_back(static_cast<int32_t>(reduction.size()));
    for (std::size_t g = 0; g < group_symbol.size(); ++g) group_begin[g + 1] += group_begin[g];
    fill.assign(group_begin.begin(), group_begin.end() - 1);
    bucket.resize(static_cast<std::size_t>(group_begin.back()));
    for (int32_t it : items) {
      const int32_t sym = item_next[it];
      if (sym != kNone) bucket[static_cast<std::size_t>(fill[group_of[static_cast<std::size_t>(sym + n_nonterminals)]]++)] = it + 1;
    }
    row.clear();
    for (std::size_t g = 0; g < group_symbol.size(); ++g) {
      int32_t* first = bucket.data() + group_begin[g];
      int32_t* last = bucket.data() + group_begin[g + 1];
      std::sort(first, last);
      const int32_t target = kernel_id(first, std::unique(first, last));
      if (target < 0) return stopped_by(LALRStop::kStates);
      row.emplace_back(group_symbol[g], target);
    }
    std::sort(row.begin(), row.end());
    for (const auto& [sym, target] : row) {
      trans_symbol.push_back(sym);
      trans_target.push_back(target);
    }
    trans_begin.push_back(static_cast<int32_t>(trans_symbol.size()));
  }
  const int32_t n_states = n_kernels();
  // DeRemer–Pennello: Read and Follow sets of the nonterminal transitions. Nonterminal
  // symbols sort first in a state's moves, so state p's nonterminal transitions are its first
  // nt_begin[p + 1] - nt_begin[p] moves, numbered from nt_begin[p] in the same order
  std::vector<int32_t> nt_state, nt_begin(static_cast<std::size_t>(n_states) + 1, 0);
  for (int32_t p = 0; p < n_states; ++p) {
    for (int32_t k = trans_begin[p]; k < trans_begin[p + 1] && trans_symbol[k] < 0; ++k) nt_state.push_back(p);
    nt_begin[p + 1] = static_cast<int32_t>(nt_state.size());
  }
  // index in trans_* of the move of `sym` out of state p (present by construction)
  auto move = [&](int32_t p, int32_t sym) {
    return static_cast<int32_t>(std::lower_bound(trans_symbol.begin() + trans_begin[p],
                                                 trans_symbol.begin() + trans_begin[p + 1], sym) -
                                trans_symbol.begin());
  };
  // the nonterminal transition of move k out of state p
  auto nt_index = [&](int32_t p, int32_t k) { return nt_begin[p] + (k - trans_begin[p]); };
  const std::size_t n_nt = nt_state.size();
  if (n_nt * ((static_cast<std::size_t>(n_terminals) + 63) / 64) > limits.max_set_words)
    return stopped_by(LALRStop::kSets);
  Bitsets follow(n_nt, static_cast<std::size_t>(n_terminals));
  std::vector<int32_t> edge_from, edge_to;
  for (std::size_t i = 0; i < n_nt; ++i) {
    const int32_t p = nt_state[i];
    const int32_t r = trans_target[static_cast<std::size_t>(trans_begin[p]) + (i - static_cast<std::size_t>(nt_begin[p]))];
    for (int32_t k = trans_begin[r]; k < trans_begin[r + 1]; ++k) {
      const int32_t sym = trans_symbol[k];
      if (sym >= 0) {
        follow.set(i, sym);
      } else if (nullable[~sym]) {
        edge_from.push_back(static_cast<int32_t>(i));
        edge_to.push_back(nt_index(r, k));
      }
    }
  }
  if (!digraph(relation_of(n_nt, edge_from, edge_to), follow, deadline)) return stopped_by(LALRStop::kDeadline);  // Read sets
  // includes edges, and lookback: (state, rule, nt transition) triples, grouped by state below
  edge_from.clear();
  edge_to.clear();
  // nullable_suffix[r]: where rule r's longest suffix of nullable nonterminals begins in rhs
  std::vector<int32_t> nullable_suffix(static_cast<std::size_t>(n_rules));
  for (int32_t r = 0; r < n_rules; ++r) {
    int32_t k = rhs_begin[r + 1];
    while (k > rhs_begin[r] && rhs[k - 1] < 0 && nullable[~rhs[k - 1]]) --k;
    nullable_suffix[r] = k;
  }
  std::vector<std::array<int32_t, 3>> lookback;
  for (std::size_t idx = 0; idx < n_nt; ++idx) {
    if (deadline.passed()) return stopped_by(LALRStop::kDeadline);
    const int32_t p = nt_state[idx];
    const int32_t b = ~trans_symbol[static_cast<std::size_t>(trans_begin[p]) + (idx - static_cast<std::size_t>(nt_begin[p]))];
    for (int32_t r : by_lhs[b]) {
      const int32_t nullable_from = nullable_suffix[r];
      int32_t q = p;
      for (int32_t k = rhs_begin[r]; k < rhs_begin[r + 1]; ++k) {
        const int32_t sym = rhs[k];
        const int32_t at = move(q, sym);
        if (sym < 0 && k + 1 >= nullable_from) {
          edge_from.push_back(nt_index(q, at));
          edge_to.push_back(static_cast<int32_t>(idx));
        }
        q = trans_target[at];
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
    std::vector<int32_t> at(lookback_begin.begin(), lookback_begin.end() - 1);
    for (const auto& t : lookback) lookback_of[static_cast<std::size_t>(at[t[0]]++)] = {t[1], t[2]};
  }
  if (!digraph(relation_of(n_nt, edge_from, edge_to), follow, deadline)) return stopped_by(LALRStop::kDeadline);  // Follow sets

  std::vector<int32_t> row_value(static_cast<std::size_t>(n_terminals), kNone), touched;
  std::vector<uint64_t> la(follow.words());
  out.row_begin.push_back(0);
  for (int32_t p = 0; p < n_states; ++p) {
    if (deadline.passed()) return stopped_by(LALRStop::kDeadline);
    touched.clear();
    for (int32_t k = trans_begin[p]; k < trans_begin[p + 1]; ++k) {
      const int32_t sym = trans_symbol[k], t = trans_target[k];
      if (sym < 0) {
        out.row_symbol.push_back(sym);
        out.row_value.push_back(t);
      } else {
        row_value[sym] = t;
        touched.push_back(sym);
      }
    }
    for (int32_t j = reduction_begin[p]; j < reduction_begin[p + 1]; ++j) {
      const int32_t r = reduction[j];
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
