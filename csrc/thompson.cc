#include "thompson.h"

#include <stdexcept>
#include <utility>

namespace constrain {

namespace {

class Builder {
 public:
  Builder(const RegexProgram& program, int32_t n_states)
      : p_(program), label_(n_states, -1), target_(n_states, -1) {}

  // The (entry, exit) states of a fragment for node i, on fresh states.
  std::pair<int32_t, int32_t> build(int32_t i) {
    switch (static_cast<RegexNode>(p_.kind[i])) {
      case RegexNode::kChars: {
        const int32_t entry = fresh(), exit = fresh();
        if (p_.a[i] >= 0) {
          label_[entry] = p_.a[i];
          target_[entry] = exit;
        }
        return {entry, exit};
      }
      case RegexNode::kConcat: {
        const int32_t entry = fresh();
        int32_t cur = entry;
        for (int32_t k = p_.child_begin[i]; k < p_.child_begin[i + 1]; ++k) {
          const auto [a, b] = build(p_.children[k]);
          free_move(cur, a);
          cur = b;
        }
        return {entry, cur};
      }
      case RegexNode::kAlt: {
        const int32_t entry = fresh(), exit = fresh();
        for (int32_t k = p_.child_begin[i]; k < p_.child_begin[i + 1]; ++k) {
          const auto [a, b] = build(p_.children[k]);
          free_move(entry, a);
          free_move(b, exit);
        }
        return {entry, exit};
      }
      case RegexNode::kRepeat:
        return repeat(p_.children[p_.child_begin[i]], p_.a[i], p_.b[i]);
      case RegexNode::kStart:
      case RegexNode::kEnd: {
        const int32_t entry = fresh(), exit = fresh();
        auto& moves = static_cast<RegexNode>(p_.kind[i]) == RegexNode::kStart ? out.bos : out.eos;
        moves.insert(moves.end(), {entry, exit});
        return {entry, exit};
      }
    }
    throw std::invalid_argument("thompson: unknown node kind");
  }

  // Laid out: label and target per state become the moves over classes.
  void finish() {
    if (next_ != static_cast<int32_t>(label_.size())) throw std::invalid_argument("thompson: the state count disagrees");
    out.move_begin.reserve(label_.size() + 1);
    out.move_begin.push_back(0);
    for (std::size_t s = 0; s < label_.size(); ++s) {
      if (label_[s] >= 0) {
        for (int32_t k = p_.label_begin[label_[s]]; k < p_.label_begin[label_[s] + 1]; ++k) {
          out.move_class.push_back(p_.label_classes[k]);
          out.move_target.push_back(target_[s]);
        }
      }
      out.move_begin.push_back(static_cast<int32_t>(out.move_class.size()));
    }
  }

  int32_t fresh() {
    if (next_ >= static_cast<int32_t>(label_.size())) throw std::invalid_argument("thompson: more states than given");
    return next_++;
  }

  void free_move(int32_t from, int32_t to) { out.eps.insert(out.eps.end(), {from, to}); }

  ThompsonNFA out;

 private:
  // m copies, then either a loop (no maximum) or max - m nested optional copies whose skips
  // all lead to the common exit
  std::pair<int32_t, int32_t> repeat(int32_t item, int32_t min, int32_t max) {
    if (max >= 0 && max < min) {
      const int32_t entry = fresh(), exit = fresh();
      return {entry, exit};
    }
    const int32_t entry = fresh();
    int32_t cur = entry;
    for (int32_t k = 0; k < min; ++k) {
      const auto [a, b] = build(item);
      free_move(cur, a);
      cur = b;
    }
    if (max < 0) {
      const auto [a, b] = build(item);
      free_move(cur, a);
      free_move(b, cur);
      return {entry, cur};
    }
    const int32_t exit = fresh();
    free_move(cur, exit);
    for (int32_t k = 0; k < max - min; ++k) {
      const auto [a, b] = build(item);
      free_move(cur, a);
      free_move(b, exit);
      cur = b;
    }
    return {entry, exit};
  }

  const RegexProgram& p_;
  std::vector<int32_t> label_, target_;   // the one labelled move a state may have
  int32_t next_ = 1;                      // state 0 is the start
};

}  // namespace

ThompsonNFA thompson(const RegexProgram& program, const std::vector<int32_t>& roots, int32_t n_states) {
  if (n_states < 1) throw std::invalid_argument("thompson: an NFA has a start state");
  Builder builder(program, n_states);
  for (const int32_t root : roots) {
    const auto [entry, exit] = builder.build(root);
    builder.free_move(0, entry);
    builder.out.exits.push_back(exit);
  }
  builder.finish();
  return std::move(builder.out);
}

}  // namespace constrain
