// LALR(1) tables: the LR(0) automaton and DeRemer–Pennello lookaheads (constrain/grammars/
// lalr.py states the invariants and turns the flat result into its tables).
//
// Grammar encoding: rule r is lhs[r] -> rhs[rhs_begin[r] .. rhs_begin[r+1]); a symbol >= 0 is
// a terminal id (< n_terminals, the end marker included), a symbol < 0 is nonterminal ~symbol
// (< n_nonterminals). Rule 0 is the augmented start rule; the LR(0) start state is its item.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace constrain {

// What one build may take: LR(0) states; 8-byte words of its per-symbol sets (the nonterminals
// each one predicts, and a lookahead bitset of the terminals per nonterminal transition: the
// parts that grow quadratically, e.g. with n optional items in a row); and time (the deadline
// is read between states and while the sets are built and propagated).
struct LALRLimits {
  int32_t max_states;
  std::size_t max_set_words = SIZE_MAX;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Why a build stopped before its tables were done (kComplete: it did not).
enum class LALRStop : int32_t { kComplete = 0, kStates = 1, kSets = 2, kDeadline = 3 };

struct LALRResult {
  int32_t n_states = 0;
  // per state, CSR over (symbol, value): a terminal maps to a shift target (>= 0) or ~rule
  // (a reduction on that lookahead); a nonterminal ~n maps to its goto target. Within a row,
  // the nonterminals come first, then the terminals; each part ascending by symbol
  std::vector<int32_t> row_begin, row_symbol, row_value;
  // per conflict: state, terminal, rule reduced, 0 = shift/reduce or 1 = reduce/reduce
  std::vector<int32_t> conflicts;
  LALRStop stopped = LALRStop::kComplete;  // the tables are empty unless kComplete
};

// which nonterminals derive the empty string (1 = nullable), by a worklist: linear in the rules
std::vector<uint8_t> nullable_nonterminals(const std::vector<int32_t>& lhs, const std::vector<int32_t>& rhs_begin,
                                           const std::vector<int32_t>& rhs, int32_t n_nonterminals);

LALRResult build_lalr(const std::vector<int32_t>& lhs, const std::vector<int32_t>& rhs_begin,
                      const std::vector<int32_t>& rhs, int32_t n_terminals, int32_t n_nonterminals,
                      const LALRLimits& limits);

}  // namespace constrain
