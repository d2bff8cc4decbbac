// LALR(1) tables: the LR(0) automaton and DeRemer–Pennello lookaheads (constrain/grammars/
// lalr.py states the invariants and turns the flat result into its tables).
//
// Grammar encoding: rule r is lhs[r] -> rhs[rhs_begin[r] .. rhs_begin[r+1]); a symbol >= 0 is
// a terminal id (< n_terminals, the end marker included), a symbol < 0 is nonterminal ~symbol
// (< n_nonterminals). Rule 0 is the augmented start rule; the LR(0) start state is its item.
#pragma once

#include <cstdint>
#include <vector>

namespace constrain {

struct LALRResult {
  int32_t n_states = 0;
  // per state, CSR over (symbol, value): a terminal maps to a shift target (>= 0) or ~rule
  // (a reduction on that lookahead); a nonterminal ~n maps to its goto target. Within a row,
  // the nonterminals come first, then the terminals; each part ascending by symbol
  std::vector<int32_t> row_begin, row_symbol, row_value;
  // per conflict: state, terminal, rule reduced, 0 = shift/reduce or 1 = reduce/reduce
  std::vector<int32_t> conflicts;
  bool too_large = false;  // the LR(0) automaton passed max_states
};

// which nonterminals derive the empty string (1 = nullable), by a worklist: linear in the rules
std::vector<uint8_t> nullable_nonterminals(const std::vector<int32_t>& lhs, const std::vector<int32_t>& rhs_begin,
                                           const std::vector<int32_t>& rhs, int32_t n_nonterminals);

LALRResult build_lalr(const std::vector<int32_t>& lhs, const std::vector<int32_t>& rhs_begin,
                      const std::vector<int32_t>& rhs, int32_t n_terminals, int32_t n_nonterminals,
                      int32_t max_states);

}  // namespace constrain
