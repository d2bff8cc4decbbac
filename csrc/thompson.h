// Thompson construction over code-point classes: the expansion step of
// constrain/automata/nfa.py (that module states the invariants and the state numbering; this
// builds the same NFA, state for state, as flat arrays for subset_construction, csrc/subset.h).
#pragma once

#include <cstdint>
#include <vector>

namespace constrain {

// A regex AST laid out flat: node i is kind[i] with arguments a[i], b[i] and the children
// children[child_begin[i]..child_begin[i+1]) (a node shared by several parents appears once).
enum class RegexNode : int32_t {
  kChars = 0,    // a = label (or -1: no character)
  kConcat = 1,   // children in order
  kAlt = 2,      // children
  kRepeat = 3,   // the one child, a = min, b = max (-1: unbounded)
  kStart = 4,    // ^
  kEnd = 5,      // $
};

struct RegexProgram {
  std::vector<int32_t> kind, a, b, child_begin{0}, children;
  std::vector<int32_t> label_begin{0}, label_classes;   // CSR: the classes of each label
};

struct ThompsonNFA {
  std::vector<int32_t> move_begin, move_class, move_target;   // CSR over states
  std::vector<int32_t> eps, bos, eos;                          // flat (source, target) pairs
  std::vector<int32_t> exits;                                  // per root, its accepting state
};

// States are numbered as nfa.py numbers them: 0 the start, with a free move to each root's
// entry; `n_states` must be that count (nfa.py's `_size`), checked by the caller.
ThompsonNFA thompson(const RegexProgram& program, const std::vector<int32_t>& roots, int32_t n_states);

}  // namespace constrain
