// BNF rules as symbol ids: the emitter's EBNF subset expanded into them (constrain/grammars/
// ebnf.py states the syntax), useless rules dropped, unit rules inlined (cfg.py's
// reduce_rules and inline_unit_rules state what they keep).
//
// Invariants: rule r is lhs[r] -> rhs[begin[r] .. begin[r+1]); a symbol is an index in
// `names`; rules are unique and keep the order of their first appearance (helper rules of a
// body before the body's own alternatives, as ebnf.py appends them).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "id_table.h"

namespace constrain {

class BNFRules {
 public:
  std::vector<std::string_view> names;  // symbol id -> name (views into the callers' strings or `owned_`)
  std::vector<int32_t> lhs, begin{0}, rhs;

  int32_t symbol(std::string_view name);             // the id of `name`, added when new
  int32_t owned_symbol(std::string name);            // a name made here (a helper rule's)
  void add(int32_t left, const int32_t* first, const int32_t* last);   // a rule, kept if new
  void clear_rules();                                 // no rules (the names stay)
  size_t size() const { return lhs.size(); }

 private:
  std::unordered_map<std::string_view, int32_t> ids_;
  std::deque<std::string> owned_;
  IdTable rule_ids_;                                  // the rules, by hash
  uint64_t hash(int32_t left, const int32_t* first, const int32_t* last) const;
};

enum class BNFError : int32_t { kNone = 0, kUnexpectedText, kUnbalanced, kMissingParen, kUnexpectedToken, kNoStart, kEmpty };

struct BNFStatus {
  BNFError error = BNFError::kNone;
  int32_t body = -1;     // the body at fault (its index in the input)
  char token = 0;        // kUnexpectedToken: the operator found
};

// Appends the rules of the bodies (lhs name, body text), in order.
BNFStatus expand_ebnf(const std::vector<std::string_view>& lhs, const std::vector<std::string_view>& bodies,
                      BNFRules& out);

// The rules without those using a symbol that derives nothing, then without those unreachable
// from `start` (order kept); kNoStart when start has no rule, kEmpty when it derives nothing.
BNFStatus reduce_bnf(BNFRules& rules, int32_t start);

// Reduced rules without the nonterminals other than `start` whose one rule is A -> X (every
// use of A reads X), nor rules A -> A; repeated until none is left.
void inline_unit_bnf(BNFRules& rules, int32_t start);

}  // namespace constrain
