// The minimal DFA of a class-level DFA: trimmed, equal columns merged, Hopcroft's partition
// refinement, states renumbered breadth-first (constrain/automata/minimize.py states the
// invariants of the result; this is its whole computation).
#pragma once

#include <cstdint>
#include <vector>

namespace constrain {

struct MinimalResult {
  int32_t n_states = 0;                  // 0: the language is empty
  int32_t n_columns = 0;
  std::vector<int32_t> trans;            // n_states * n_columns, -1 = dead
  std::vector<int64_t> column_of_class;  // per input class, its column (numbered by lowest class)
  std::vector<int32_t> rep;              // per state, an input state it stands for (its lowest)
};

// `trans`: n x k moves (-1 = dead), state 0 the start, every state reachable; `group[s]`: the
// state's tag set as an id, 0 for no tags (not accepting). States of different groups are
// never merged.
MinimalResult minimize_classes(const int32_t* trans, int32_t n, int32_t k, const int32_t* group);

}  // namespace constrain
