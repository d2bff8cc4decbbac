// The LALR parser's runs on a stack: its tables as flat sorted rows, the lookahead simulation
// (which terminals shift after a terminal sequence, and which stack states that depends on)
// and nothing else; the persistent stack itself stays in Python (constrain/grammars/lalr.py).
//
// Invariants: row s holds its gotos (nonterminal ids, ascending) in [row_begin[s], split[s])
// and its actions (terminal ids, ascending) in [split[s], row_begin[s + 1]); an action value
// is a shift target (>= 0) or ~rule; there are no default reductions.
#pragma once

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace constrain {

constexpr int32_t kNoAction = INT32_MIN;

struct LRTables {
  int32_t n_states = 0;
  std::vector<int32_t> row_begin, split, symbols, values, rule_len, rule_lhs;

  // Rows with their gotos (by nonterminal id) in any order and their actions sorted: the
  // gotos get sorted (std::invalid_argument for rows that do not fit together).
  LRTables(int32_t n_states, std::vector<int32_t> row_begin, std::vector<int32_t> split, std::vector<int32_t> symbols,
           std::vector<int32_t> values, std::vector<int32_t> rule_len, std::vector<int32_t> rule_lhs);

  int32_t action(int32_t state, int32_t terminal) const { return find(split[state], row_begin[state + 1], terminal); }
  int32_t go(int32_t state, int32_t nonterminal) const { return find(row_begin[state], split[state], nonterminal); }
  // The state a reduction by rule ~a pushes above `state` (std::logic_error when the tables
  // have no such goto: they do for every stack the parser builds).
  int32_t goto_after(int32_t state, int32_t a) const;

 private:
  int32_t find(int32_t begin, int32_t end, int32_t symbol) const;
};

// The stack as the simulation sees it: state_at(k) is the k-th state from the top, fetched
// once per depth the simulation reaches; `reads` gets (depth, state) the first time a
// depth's state decides a move (a reduction pops states it does not read).
template <class StateAt>
class LRView {
 public:
  explicit LRView(StateAt state_at) : state_at_(std::move(state_at)) {}

  int32_t at(int32_t k) {
    while (static_cast<int32_t>(real_.size()) <= k) real_.push_back(state_at_(real_.size()));
    if (static_cast<int32_t>(consulted_.size()) <= k) consulted_.resize(static_cast<size_t>(k) + 1);
    if (!consulted_[static_cast<size_t>(k)]) {
      consulted_[static_cast<size_t>(k)] = 1;
      reads.emplace_back(k, real_[static_cast<size_t>(k)]);
    }
    return real_[static_cast<size_t>(k)];
  }

  std::vector<std::pair<int32_t, int32_t>> reads;

 private:
  StateAt state_at_;
  std::vector<int32_t> real_;
  std::vector<uint8_t> consulted_;
};

// A configuration during the simulation: the stack is view[k:] with `pushed` on top.
struct LRRun {
  std::vector<int32_t> pushed;
  int32_t k = 0;
};

// Reduce by rule ~a (updates `run`).
template <class View>
void lr_reduce(const LRTables& t, View& view, LRRun& run, int32_t a) {
  const auto n = static_cast<size_t>(t.rule_len[static_cast<size_t>(~a)]);
  if (n <= run.pushed.size()) {
    run.pushed.resize(run.pushed.size() - n);
  } else {
    run.k += static_cast<int32_t>(n - run.pushed.size());
    run.pushed.clear();
  }
  const int32_t below = run.pushed.empty() ? view.at(run.k) : run.pushed.back();
  run.pushed.push_back(t.goto_after(below, a));
}

// Whether the stack accepts the terminals seq[0..n) (reducing, then shifting each); when it
// does, the terminals that shift next (after their reductions) are appended to `shifted`.
template <class View>
bool lr_simulate(const LRTables& t, View& view, const int32_t* seq, size_t n, std::vector<int32_t>& shifted) {
  LRRun run;
  const auto top = [&](const LRRun& r) { return r.pushed.empty() ? view.at(r.k) : r.pushed.back(); };
  for (size_t i = 0; i < n; ++i) {
    while (true) {
      const int32_t a = t.action(top(run), seq[i]);
      if (a == kNoAction) return false;
      if (a >= 0) {
        run.pushed.push_back(a);
        break;
      }
      lr_reduce(t, view, run, a);
    }
  }
  // terminals that reduce by the same rule share that reduction (and the ones after it)
  struct Work {
    LRRun run;
    std::vector<int32_t> terminals;   // empty: every terminal of the row (a reduction's group never is)
  };
  std::vector<Work> work;
  work.push_back({std::move(run), {}});
  std::vector<std::pair<int32_t, int32_t>> by_rule;    // (action, terminal)
  while (!work.empty()) {
    Work w = std::move(work.back());
    work.pop_back();
    const int32_t s = top(w.run);
    by_rule.clear();
    const auto consider = [&](int32_t terminal, int32_t a) {
      if (a == kNoAction) return;
      if (a >= 0)
        shifted.push_back(terminal);
      else
        by_rule.emplace_back(a, terminal);
    };
    if (w.terminals.empty()) {
      for (int32_t j = t.split[static_cast<size_t>(s)]; j < t.row_begin[static_cast<size_t>(s) + 1]; ++j)
        consider(t.symbols[static_cast<size_t>(j)], t.values[static_cast<size_t>(j)]);
    } else {
      for (const int32_t terminal : w.terminals) consider(terminal, t.action(s, terminal));
    }
    std::stable_sort(by_rule.begin(), by_rule.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i = 0, j = 0; i < by_rule.size(); i = j) {
      Work next{w.run, {}};
      for (j = i; j < by_rule.size() && by_rule[j].first == by_rule[i].first; ++j) next.terminals.push_back(by_rule[j].second);
      lr_reduce(t, view, next.run, by_rule[i].first);
      work.push_back(std::move(next));
    }
  }
  return true;
}

}  // namespace constrain
