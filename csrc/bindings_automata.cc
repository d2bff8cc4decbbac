// Python bindings of the regex automaton steps: the Thompson NFA (csrc/thompson.h), the UTF-8
// expansion to bytes (csrc/byte_nfa.h), the subset construction, minimization and
// co-reachability (csrc/subset.h, csrc/minimize.h). Part of module constrain._core
// (csrc/bindings.cc calls bind_automata). Each entry point checks its arrays and raises
// ValueError rather than reading out of range; the long work runs without the GIL.
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bindings_common.h"
#include "byte_nfa.h"
#include "minimize.h"
#include "subset.h"
#include "thompson.h"

namespace constrain {

namespace {

// A CSR list over n states whose values lie in [0, bound); throws otherwise.
CSR checked_csr(const IntArray& begin, const IntArray& value, int32_t n, int32_t bound, const char* what) {
  if (begin.ndim() != 1 || begin.shape(0) != n + 1 || value.ndim() != 1)
    throw std::invalid_argument(std::string(what) + ": begin must have n_states + 1 entries");
  const int32_t* b = begin.data();
  if (b[0] != 0 || b[n] != value.shape(0)) throw std::invalid_argument(std::string(what) + ": bad CSR bounds");
  for (int32_t s = 0; s < n; ++s)
    if (b[s + 1] < b[s]) throw std::invalid_argument(std::string(what) + ": begin must not decrease");
  for (py::ssize_t i = 0; i < value.shape(0); ++i)
    if (value.data()[i] < 0 || value.data()[i] >= bound) throw std::invalid_argument(std::string(what) + ": value out of range");
  return {b, value.data()};
}

// A CSR over states 0..n-1 of flat (state, value) pairs, each state's values in the order
// given; std::invalid_argument naming `what` for an odd length or a state or value out of range.
struct PairsCSR {
  std::vector<int32_t> begin, value;
  CSR view() const { return {begin.data(), value.data()}; }
};

PairsCSR csr_of_pairs(const IntArray& pairs, int32_t n, int32_t bound, const char* what) {
  if (pairs.ndim() != 1 || pairs.shape(0) % 2 != 0)
    throw std::invalid_argument(std::string(what) + ": pairs must be a flat list of (state, value)");
  const int32_t* p = pairs.data();
  const auto m = static_cast<std::size_t>(pairs.shape(0) / 2);
  PairsCSR out{std::vector<int32_t>(static_cast<std::size_t>(n) + 1, 0), std::vector<int32_t>(m)};
  for (std::size_t i = 0; i < m; ++i) {
    if (p[2 * i] < 0 || p[2 * i] >= n || p[2 * i + 1] < 0 || p[2 * i + 1] >= bound)
      throw std::invalid_argument(std::string(what) + ": value out of range");
    ++out.begin[static_cast<std::size_t>(p[2 * i]) + 1];
  }
  for (int32_t s = 0; s < n; ++s) out.begin[s + 1] += out.begin[s];
  std::vector<int32_t> fill(out.begin.begin(), out.begin.end() - 1);
  for (std::size_t i = 0; i < m; ++i) out.value[fill[p[2 * i]]++] = p[2 * i + 1];
  return out;
}

// Byte spellings given as a sequence of sequences of (lo, hi) byte ranges.
std::vector<Spelling> spellings_from(const py::handle& given) {
  std::vector<Spelling> out;
  for (const py::handle spelling : given) {
    Spelling ranges;
    for (const py::handle range : spelling) {
      const auto pair = range.cast<py::tuple>();
      if (pair.size() != 2) throw std::invalid_argument("a byte range is a (lo, hi) pair");
      const auto lo = pair[0].cast<int32_t>(), hi = pair[1].cast<int32_t>();
      if (lo < 0 || lo > hi || hi > 255) throw std::invalid_argument("a byte range is 0 <= lo <= hi <= 255");
      ranges.push_back({lo, hi});
    }
    if (ranges.empty()) throw std::invalid_argument("a spelling reads at least one byte");
    out.push_back(std::move(ranges));
  }
  return out;
}

}  // namespace

void bind_automata(py::module_& m) {
  m.def(
      "thompson",
      [](const IntArray& kind, const IntArray& a, const IntArray& b, const IntArray& child_begin,
         const IntArray& children, const IntArray& roots, const IntArray& label_begin, const IntArray& label_classes,
         int32_t n_states) {
        const auto n = static_cast<int32_t>(kind.size());
        if (a.size() != n || b.size() != n || child_begin.size() != n + 1 || label_begin.size() < 1)
          throw std::invalid_argument("thompson: kind, a, b and child_begin (one more) describe the same nodes");
        const int32_t n_labels = static_cast<int32_t>(label_begin.size()) - 1;
        checked_csr(child_begin, children, n, n, "children");
        checked_csr(label_begin, label_classes, n_labels, INT32_MAX, "label classes");
        RegexProgram program;
        program.kind.assign(kind.data(), kind.data() + n);
        program.a.assign(a.data(), a.data() + n);
        program.b.assign(b.data(), b.data() + n);
        program.child_begin.assign(child_begin.data(), child_begin.data() + n + 1);
        program.children.assign(children.data(), children.data() + children.size());
        program.label_begin.assign(label_begin.data(), label_begin.data() + n_labels + 1);
        program.label_classes.assign(label_classes.data(), label_classes.data() + label_classes.size());
        for (int32_t i = 0; i < n; ++i) {   // children before their parents: no cycle
          const int32_t arity = program.child_begin[i + 1] - program.child_begin[i];
          const auto k = static_cast<RegexNode>(program.kind[i]);
          if (program.kind[i] < 0 || program.kind[i] > 5 || (k == RegexNode::kRepeat && arity != 1) ||
              (k == RegexNode::kChars && program.a[i] >= n_labels))
            throw std::invalid_argument("thompson: a malformed node");
          for (int32_t c = program.child_begin[i]; c < program.child_begin[i + 1]; ++c)
            if (program.children[c] >= i) throw std::invalid_argument("thompson: a child follows its parent");
        }
        std::vector<int32_t> root_ids(roots.data(), roots.data() + roots.size());
        for (const int32_t r : root_ids)
          if (r < 0 || r >= n) throw std::invalid_argument("thompson: a root outside the nodes");
        ThompsonNFA nfa;
        {
          py::gil_scoped_release release;
          nfa = thompson(program, root_ids, n_states);
        }
        return py::make_tuple(py::make_tuple(to_array(nfa.move_begin), to_array(nfa.move_class), to_array(nfa.move_target)),
                              to_array(nfa.eps), to_array(nfa.bos), to_array(nfa.eos), to_array(nfa.exits));
      },
      py::arg("kind"), py::arg("a"), py::arg("b"), py::arg("child_begin"), py::arg("children"), py::arg("roots"),
      py::arg("label_begin"), py::arg("label_classes"), py::arg("n_states"),
      "The Thompson NFA of regex ASTs laid out flat (csrc/thompson.h), nodes in post-order: "
      "((move_begin, move_class, move_target), eps, bos, eos, exits), as subset_construction reads them.");

  m.def(
      "byte_nfa",
      [](const IntArray& trans, const py::function& spellings_of,
         const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& accepting, int32_t quote) {
        if (trans.ndim() != 2 || accepting.ndim() != 1 || accepting.shape(0) != trans.shape(0))
          throw std::invalid_argument("byte_nfa needs trans (n, k) and accepting (n,)");
        if (quote > 255) throw std::invalid_argument("byte_nfa: the quote is a byte");
        const auto n = static_cast<int32_t>(trans.shape(0)), k = static_cast<int32_t>(trans.shape(1));
        const auto moves_of = trans.unchecked<2>();
        GroupedMoves moves;
        moves.n_states = n;
        // per state, its targets in the order of their first column, each with its columns
        std::map<std::vector<int32_t>, int32_t> group_of;
        std::vector<int32_t> slot_of(n, -1), targets;
        std::vector<std::vector<int32_t>> columns;
        for (int32_t s = 0; s < n; ++s) {
          targets.clear();
          columns.clear();
          for (int32_t col = 0; col < k; ++col) {
            const int32_t t = moves_of(s, col);
            if (t < 0) continue;
            if (t >= n) throw std::invalid_argument("byte_nfa: a move leaves the automaton");
            if (slot_of[t] < 0) {
              slot_of[t] = static_cast<int32_t>(targets.size());
              targets.push_back(t);
              columns.emplace_back();
            }
            columns[slot_of[t]].push_back(col);
          }
          for (size_t i = 0; i < targets.size(); ++i) {
            slot_of[targets[i]] = -1;
            const auto [found, fresh] = group_of.emplace(columns[i], static_cast<int32_t>(moves.spellings.size()));
            if (fresh) moves.spellings.push_back(spellings_from(spellings_of(py::tuple(py::cast(columns[i])))));
            moves.target.push_back(targets[i]);
            moves.group.push_back(found->second);
          }
          moves.begin.push_back(static_cast<int32_t>(moves.target.size()));
        }
        ByteNFA nfa;
        {
          py::gil_scoped_release release;
          nfa = byte_nfa(moves, accepting.data(), quote);
        }
        return py::make_tuple(py::make_tuple(to_array(nfa.move_begin), to_array(nfa.move_class), to_array(nfa.move_target)),
                              to_array(nfa.class_of), nfa.n_states, nfa.start);
      },
      py::arg("trans"), py::arg("spellings_of"), py::arg("accepting"), py::arg("quote"),
      "The byte NFA of a DFA over code-point columns (csrc/byte_nfa.h): trans (n, k), -1 = dead; "
      "spellings_of(columns) the byte spellings of those columns' characters, each a sequence of "
      "(lo, hi) byte ranges; quote -1 for none. Returns ((move_begin, move_class, move_target), "
      "class_of (256 bytes), n_states, start), the moves over byte classes as subset_construction reads them.");

  m.def(
      "subset_construction",
      [](const IntArray& move_begin, const IntArray& move_class, const IntArray& move_target, const IntArray& eps,
         const IntArray& bos, const IntArray& eos, const IntArray& tags, int32_t start, int32_t n_classes,
         int32_t max_states) -> py::object {
        const int32_t n = static_cast<int32_t>(move_begin.size()) - 1;
        if (n < 1 || start < 0 || start >= n || n_classes < 0) throw std::invalid_argument("bad NFA shape");
        if (move_target.size() != move_class.size()) throw std::invalid_argument("moves: class and target lengths differ");
        const PairsCSR eps_csr = csr_of_pairs(eps, n, n, "eps"), bos_csr = csr_of_pairs(bos, n, n, "bos"),
                       eos_csr = csr_of_pairs(eos, n, n, "eos"), tag_csr = csr_of_pairs(tags, n, INT32_MAX, "tags");
        NFAView nfa;
        nfa.n_states = n;
        nfa.start = start;
        nfa.move_class = checked_csr(move_begin, move_class, n, n_classes, "moves");
        nfa.move_target = checked_csr(move_begin, move_target, n, n, "moves");
        nfa.eps = eps_csr.view();
        nfa.bos = bos_csr.view();
        nfa.eos = eos_csr.view();
        nfa.tags = tag_csr.view();
        SubsetResult r;
        {
          py::gil_scoped_release release;
          r = subset_construction(nfa, n_classes, max_states);
        }
        if (r.too_large) return py::none();
        py::array_t<int32_t> trans({static_cast<py::ssize_t>(r.n_states), static_cast<py::ssize_t>(n_classes)});
        std::copy(r.trans.begin(), r.trans.end(), trans.mutable_data());
        return py::make_tuple(trans, to_array(r.tag_begin), to_array(r.tags));
      },
      py::arg("move_begin"), py::arg("move_class"), py::arg("move_target"), py::arg("eps"), py::arg("bos"),
      py::arg("eos"), py::arg("tags"), py::arg("start"), py::arg("n_classes"), py::arg("max_states"),
      "Subset construction of an NFA over symbol classes (see csrc/subset.h), its moves as a CSR "
      "(move_begin over states; class and target per move) and its free moves at the start and end "
      "of the input and its tags as flat (state, value) pairs: (trans [n_states, n_classes] with "
      "-1 = dead, tag_begin, tags), or None past max_states states.");

  m.def(
      "minimize_classes",
      [](const IntArray& trans, const IntArray& group) -> py::object {
        if (trans.ndim() != 2 || group.ndim() != 1 || group.shape(0) != trans.shape(0) || trans.shape(0) == 0)
          throw std::invalid_argument("minimize_classes needs trans (n, k) and group (n,)");
        const int32_t n = static_cast<int32_t>(trans.shape(0)), k = static_cast<int32_t>(trans.shape(1));
        for (py::ssize_t i = 0; i < trans.size(); ++i)
          if (trans.data()[i] < -1 || trans.data()[i] >= n) throw std::invalid_argument("minimize_classes: move out of range");
        for (int32_t s = 0; s < n; ++s)
          if (group.data()[s] < 0) throw std::invalid_argument("minimize_classes: negative group");
        MinimalResult r;
        {
          py::gil_scoped_release release;
          r = minimize_classes(trans.data(), n, k, group.data());
        }
        if (r.n_states == 0) return py::none();
        py::array_t<int32_t> moves({static_cast<py::ssize_t>(r.n_states), static_cast<py::ssize_t>(r.n_columns)});
        std::copy(r.trans.begin(), r.trans.end(), moves.mutable_data());
        return py::make_tuple(moves, to_array(r.column_of_class), py::cast(r.rep));
      },
      py::arg("trans"), py::arg("group"),
      "The minimal DFA of a class-level DFA (moves -1 = dead, start 0, every state reachable; "
      "group: a tag-set id per state, 0 = no tags): None for the empty language, else (trans, "
      "column_of_class, rep), csrc/minimize.h.");

  m.def(
      "coreachable",
      [](const IntArray& trans, const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& accepting) {
        if (trans.ndim() != 2 || accepting.ndim() != 1 || accepting.shape(0) != trans.shape(0))
          throw std::invalid_argument("coreachable needs trans (n, k) and accepting (n,)");
        const int32_t n = static_cast<int32_t>(trans.shape(0)), k = static_cast<int32_t>(trans.shape(1));
        for (py::ssize_t i = 0; i < trans.size(); ++i)
          if (trans.data()[i] < -1 || trans.data()[i] >= n) throw std::invalid_argument("coreachable: move out of range");
        std::vector<uint8_t> live;
        {
          py::gil_scoped_release release;
          live = coreachable(trans.data(), n, k, accepting.data());
        }
        py::array_t<bool> out(static_cast<py::ssize_t>(live.size()));
        std::copy(live.begin(), live.end(), out.mutable_data());
        return out;
      },
      py::arg("trans"), py::arg("accepting"),
      "Per state of a DFA (moves -1 = dead), whether an accepting state can be reached from it.");
}

}  // namespace constrain
