// Python bindings of the C++ core (module constrain._core). Long walks release the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "bindings_common.h"
#include "byte_dfa.h"
#include "dfa_union.h"
#include "token_trie.h"
#include "word_tries.h"

namespace py = pybind11;
using constrain::ByteDFA;
using constrain::IntArray;
using constrain::TokenTrie;
using constrain::int32_bytes;
using constrain::to_array;

namespace {

using WordArray = py::array_t<int32_t, py::array::c_style>;

uint32_t* words_of(WordArray& a, const TokenTrie& trie, const char* what) {
  const py::ssize_t words = (static_cast<py::ssize_t>(trie.vocab_size) + 31) / 32;
  if (a.ndim() != 1 || a.shape(0) != words)
    throw std::invalid_argument(std::string(what) + " must be a 1-d int32 array of ceil(vocab_size/32) words");
  return reinterpret_cast<uint32_t*>(a.mutable_data());
}

TokenTrie make_trie(const py::sequence& tokens, int32_t vocab_size,
                    const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& slice_of,
                    const py::list& languages) {
  std::vector<std::string> bytes;
  bytes.reserve(tokens.size());
  for (const auto& t : tokens) bytes.push_back(t.is_none() ? std::string() : t.cast<std::string>());
  std::vector<uint8_t> slices(slice_of.data(), slice_of.data() + slice_of.size());
  std::vector<constrain::SliceLanguage> langs;
  for (const auto& item : languages) {
    const auto pair = item.cast<py::tuple>();
    const auto trans = pair[0].cast<py::array_t<int32_t, py::array::c_style | py::array::forcecast>>();
    const auto accepting = pair[1].cast<py::array_t<uint8_t, py::array::c_style | py::array::forcecast>>();
    if (trans.ndim() != 2 || trans.shape(1) != 256) throw std::invalid_argument("a slice language's table must be (n_states, 256)");
    constrain::SliceLanguage l;
    l.n_states = static_cast<int32_t>(trans.shape(0));
    l.trans.assign(trans.data(), trans.data() + trans.size());
    l.accepting.assign(accepting.data(), accepting.data() + accepting.size());
    langs.push_back(std::move(l));
  }
  py::gil_scoped_release release;
  return TokenTrie(bytes, vocab_size, slices, std::move(langs));
}

ByteDFA make_dfa(const py::array_t<int32_t, py::array::c_style | py::array::forcecast>& trans,
                 const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& accepting) {
  if (trans.ndim() != 2 || trans.shape(1) != 256) throw std::invalid_argument("trans must have shape (n_states, 256)");
  const py::ssize_t n = trans.shape(0);
  if (accepting.ndim() != 1 || accepting.shape(0) != n) throw std::invalid_argument("accepting must have n_states entries");
  ByteDFA dfa;
  dfa.n_states = static_cast<int32_t>(n);
  const int32_t* moves = trans.data();
  for (py::ssize_t i = 0; i < n * 256; ++i)
    if (moves[i] < constrain::kDead || moves[i] >= dfa.n_states)
      throw std::invalid_argument("transition to a state out of range");
  dfa.accepting.assign(accepting.data(), accepting.data() + n);
  dfa.table = std::make_shared<const constrain::ClassTable>(constrain::class_table(moves, dfa.n_states));
  return dfa;
}

// union_dfa of the C++ ByteDFAs in `parts` (whole automata with a start state), with the GIL
// released; false past max_states
bool run_union(const py::list& parts, int32_t max_states, constrain::DFAUnion& u) {
  if (parts.size() == 0) throw std::invalid_argument("union_dfa needs at least one DFA");
  std::vector<const constrain::ClassTable*> tables;
  std::vector<const uint8_t*> accepting;
  std::vector<int32_t> sizes;
  for (const py::handle part : parts) {
    ByteDFA& dfa = part.cast<ByteDFA&>();
    if (!dfa.live.empty()) throw std::invalid_argument("union_dfa needs whole DFAs, not restricted views");
    if (dfa.n_states == 0) throw std::invalid_argument("union_dfa needs DFAs with a start state");
    tables.push_back(dfa.table.get());
    accepting.push_back(dfa.accepting.data());
    sizes.push_back(dfa.n_states);
  }
  {
    py::gil_scoped_release release;
    u = constrain::union_dfa(tables, accepting, sizes, max_states);
  }
  return !u.too_large;
}

// the C++ ByteDFA of a union: its class table, accepting where some component accepts
ByteDFA union_core(const constrain::DFAUnion& u) {
  const auto n = static_cast<std::size_t>(u.n_states);
  ByteDFA dfa;
  dfa.n_states = u.n_states;
  dfa.table = std::make_shared<const constrain::ClassTable>(u.class_of, u.n_classes, u.class_trans.data(), n);
  dfa.accepting.resize(n);
  for (std::size_t s = 0; s < n; ++s) dfa.accepting[s] = u.tag_begin[s + 1] > u.tag_begin[s];
  return dfa;
}

// the bytes of each item of a Python sequence of bytes objects
std::vector<std::string> byte_strings(const py::sequence& words) {
  std::vector<std::string> held;
  held.reserve(words.size());
  for (const py::handle word : words) {
    if (!py::isinstance<py::bytes>(word)) throw py::type_error("words must be bytes");
    held.push_back(word.cast<std::string>());
  }
  return held;
}

// (byte table, accepting, the C++ automaton) of a ByteDFA built without a byte table, for the
// Python ByteDFA that wraps it
py::tuple with_byte_table(ByteDFA&& dfa) {
  const auto n = static_cast<std::size_t>(dfa.n_states);
  py::array_t<int32_t> trans({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(256)});
  int32_t* out = trans.mutable_data();
  for (std::size_t s = 0; s < n; ++s) {
    const int32_t* row = dfa.table->row(static_cast<int32_t>(s));
    for (int b = 0; b < 256; ++b) out[s * 256 + static_cast<std::size_t>(b)] = row[dfa.table->class_of[b]];
  }
  py::array_t<bool> accepting(static_cast<py::ssize_t>(n));
  std::copy(dfa.accepting.begin(), dfa.accepting.end(), accepting.mutable_data());
  return py::make_tuple(trans, accepting, std::move(dfa));
}

void check_state(const ByteDFA& dfa, int32_t state) {
  if (state < 0 || state >= dfa.n_states) throw std::invalid_argument("DFA state out of range");
}

// A count (>= 0) at `state` (checked) needs a counter, and at a counted state lies within its cap.
void check_count(const ByteDFA& dfa, int32_t state, int32_t count) {
  if (count < 0) return;
  if (!dfa.counter) throw std::invalid_argument("a count needs a DFA with a lexeme counter");
  const auto s = static_cast<size_t>(state);
  if (dfa.counter->base[s] >= 0 && count > dfa.counter->cap[s])
    throw std::invalid_argument("the count passes the cap of its state's counted terminal");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "constrain's C++ core: token trie and byte-DFA mask walks";

  m.def(
      "or_ids",
      [](WordArray words, const py::array_t<int32_t, py::array::c_style | py::array::forcecast>& ids) {
        uint32_t* w = reinterpret_cast<uint32_t*>(words.mutable_data());
        const py::ssize_t n_bits = words.size() * 32;
        const int32_t* p = ids.data();
        const py::ssize_t n = ids.size();
        for (py::ssize_t k = 0; k < n; ++k)
          if (p[k] < 0 || p[k] >= n_bits) throw std::invalid_argument("token id outside the mask");
        py::gil_scoped_release release;
        for (py::ssize_t k = 0; k < n; ++k) w[static_cast<uint32_t>(p[k]) >> 5] |= 1u << (p[k] & 31);
      },
      py::arg("words"), py::arg("ids"), "Set the bits of `ids` in the int32 mask `words`.");

  py::class_<TokenTrie>(m, "TokenTrie")
      .def(py::init(&make_trie), py::arg("tokens"), py::arg("vocab_size"),
           py::arg("slice_of") = py::array_t<uint8_t>(0), py::arg("languages") = py::list(),
           "Trie over tokens[i] (bytes, or None for ids that are never text), split into slices: "
           "token i in slice slice_of[i] (default: all 0), slice k >= 1 having the language "
           "languages[k-1], a (trans, accepting) byte DFA accepting each of its tokens; the "
           "languages must be nested.")
      .def_property_readonly("n_nodes", &TokenTrie::n_nodes)
      .def_readonly("roots", &TokenTrie::roots)
      .def(
          "slice_ids",
          [](const TokenTrie& trie, size_t k) {
            if (k == 0 || k >= trie.n_slices()) throw std::invalid_argument("no such slice");
            std::vector<int32_t> out;
            for (size_t w = 0; w < trie.words(); ++w)
              for (uint32_t bits = trie.slice_words[k][w]; bits != 0; bits &= bits - 1)
                out.push_back(static_cast<int32_t>(w * 32 + static_cast<size_t>(__builtin_ctz(bits))));
            return to_array(out);
          },
          py::arg("k"), "The token ids of slice k >= 1.")
      .def(
          "whole_slices",
          [](const TokenTrie& trie, const ByteDFA& dfa, int32_t state) {
            check_state(dfa, state);
            return dfa.whole_slices(trie, state);
          },
          py::arg("dfa"), py::arg("state"),
          "The largest k such that slices 1..k keep `dfa` alive from `state` (a walk then takes them whole).")
      .def(
          "node_bytes",
          [](const TokenTrie& trie, uint32_t node) {
            if (node >= trie.n_nodes()) throw std::invalid_argument("node out of range");
            return py::bytes(trie.node_bytes(node));
          },
          py::arg("node"), "The bytes from the root to `node`.")
      .def(
          "token_node",
          [](const TokenTrie& trie, int32_t id) { return trie.is_text(id) ? trie.tok_node[id] : 0u; },
          py::arg("token_id"), "The node where the token's bytes end (0 when it is not text).")
      .def_readonly("max_depth", &TokenTrie::max_depth)
      .def_readonly("vocab_size", &TokenTrie::vocab_size);

  m.def(
      "union_dfa",
      [](const py::list& parts, int32_t max_states, bool as_core) -> py::object {
        constrain::DFAUnion u;
        if (!run_union(parts, max_states, u)) return py::none();
        py::array_t<int32_t> members({static_cast<py::ssize_t>(u.members.size() / 2), static_cast<py::ssize_t>(2)});
        std::copy(u.members.begin(), u.members.end(), members.mutable_data());
        py::object moves;
        if (as_core) {
          moves = py::cast(union_core(u));
        } else {
          py::array_t<int32_t> trans({static_cast<py::ssize_t>(u.n_states), static_cast<py::ssize_t>(256)});
          u.byte_moves(trans.mutable_data());
          moves = trans;
        }
        return py::make_tuple(moves, to_array(u.tag_begin), to_array(u.tags), to_array(u.member_begin), members);
      },
      py::arg("parts"), py::arg("max_states"), py::arg("as_core") = false,
      "Product (union) DFA of C++ ByteDFAs (start 0 each; read by byte class): (trans, "
      "tag_begin, tags, member_begin, members) where the tags of state s are "
      "tags[tag_begin[s]:tag_begin[s+1]], the components accepting there, and "
      "members[member_begin[s]:member_begin[s+1]] its (component, component state) rows, one "
      "per live component; None past max_states. With as_core, a C++ ByteDFA (accepting where "
      "a component accepts) in place of trans.");

  m.def(
      "terminal_union",
      [](const py::list& parts, const IntArray& components, int32_t n, int32_t max_states) -> py::object {
        if (components.ndim() != 1 || static_cast<std::size_t>(components.shape(0)) != parts.size())
          throw std::invalid_argument("terminal_union needs one component index per part");
        const int32_t* global = components.data();
        for (py::ssize_t i = 0; i < components.shape(0); ++i)
          if (global[i] < 0 || global[i] >= n) throw std::invalid_argument("terminal_union: component index out of range");
        constrain::DFAUnion u;
        if (!run_union(parts, max_states, u)) return py::none();
        const auto n_states = static_cast<std::size_t>(u.n_states);
        const auto n_global = static_cast<std::size_t>(n);
        // components by global index; per global component, the states accepting it (ascending)
        std::vector<int32_t> tags(u.tags.size());
        std::vector<uint32_t> accept_begin(n_global + 1, 0);
        for (std::size_t i = 0; i < u.tags.size(); ++i) {
          tags[i] = global[u.tags[i]];
          ++accept_begin[static_cast<std::size_t>(tags[i]) + 1];
        }
        for (std::size_t c = 0; c < n_global; ++c) accept_begin[c + 1] += accept_begin[c];
        std::vector<int32_t> accept_states(u.tags.size());
        // the states accepting several components, numbered in state order: bit r of a
        // component's row is set when it accepts in the r-th of them
        std::size_t n_multi = 0;
        for (std::size_t s = 0; s < n_states; ++s) n_multi += u.tag_begin[s + 1] - u.tag_begin[s] > 1;
        const std::size_t words = (n_multi + 63) / 64;
        py::array_t<uint64_t> shared({static_cast<py::ssize_t>(n_global), static_cast<py::ssize_t>(words)});
        uint64_t* bits = shared.mutable_data();
        std::fill(bits, bits + n_global * words, 0);
        {
          std::vector<uint32_t> fill(accept_begin.begin(), accept_begin.end() - 1);
          std::size_t r = 0;
          for (std::size_t s = 0; s < n_states; ++s) {
            const bool multi = u.tag_begin[s + 1] - u.tag_begin[s] > 1;
            for (uint32_t k = u.tag_begin[s]; k < u.tag_begin[s + 1]; ++k) {
              const auto c = static_cast<std::size_t>(tags[k]);
              accept_states[fill[c]++] = static_cast<int32_t>(s);
              if (multi) bits[c * words + (r >> 6)] |= uint64_t{1} << (r & 63);
            }
            r += multi;
          }
        }
        std::vector<int32_t> members(u.members.size());
        for (std::size_t i = 0; i < u.members.size(); i += 2) {
          members[i] = global[u.members[i]];
          members[i + 1] = u.members[i + 1];
        }
        return py::make_tuple(union_core(u), int32_bytes(u.tag_begin), int32_bytes(tags), int32_bytes(u.member_begin),
                              int32_bytes(members), int32_bytes(accept_begin), int32_bytes(accept_states), shared);
      },
      py::arg("parts"), py::arg("components"), py::arg("n"), py::arg("max_states"),
      "union_dfa (as_core) of some of n terminals' automata, part i being component "
      "components[i]: (core, tag_begin, tags, member_begin, members, accept_begin, accept_states, "
      "shared), the arrays but the last as int32 bytes (members: (component, state) pairs, flat), "
      "with components named by that global index in tags and members; "
      "accept_states[accept_begin[c]:accept_begin[c+1]] the states accepting component c "
      "(ascending); shared an (n, words) uint64 array whose row c has bit r set when c accepts "
      "in the r-th state (in state order) accepting several components. None past max_states.");

  m.def(
      "overlapping_sets",
      [](const IntArray& sets, const IntArray& terminals, const IntArray& component_of,
         const py::array_t<uint64_t, py::array::c_style | py::array::forcecast>& shared) {
        if (sets.ndim() != 1 || terminals.ndim() != 1 || sets.shape(0) != terminals.shape(0) ||
            component_of.ndim() != 1 || shared.ndim() != 2)
          throw std::invalid_argument("overlapping_sets: sets and terminals must be 1-d of one length, shared 2-d");
        const auto n_pairs = static_cast<std::size_t>(sets.shape(0));
        const auto n_terminals = static_cast<int32_t>(component_of.shape(0));
        const auto n_components = static_cast<int32_t>(shared.shape(0));
        const auto words = static_cast<std::size_t>(shared.shape(1));
        const int32_t *set = sets.data(), *terminal = terminals.data(), *component = component_of.data();
        const uint64_t* bits = shared.data();
        // the pairs of components with shared texts, by set; then per set, a bit seen twice
        std::vector<std::pair<int32_t, int32_t>> kept;
        for (std::size_t i = 0; i < n_pairs; ++i) {
          if (terminal[i] < 0 || terminal[i] >= n_terminals)
            throw std::invalid_argument("overlapping_sets: terminal id out of range");
          const int32_t c = component[terminal[i]];
          if (c < 0) continue;
          if (c >= n_components) throw std::invalid_argument("overlapping_sets: component out of range");
          const uint64_t* row = bits + static_cast<std::size_t>(c) * words;
          if (std::any_of(row, row + words, [](uint64_t w) { return w != 0; })) kept.emplace_back(set[i], c);
        }
        std::sort(kept.begin(), kept.end());
        kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
        std::vector<uint64_t> seen(words);
        for (std::size_t i = 0; i < kept.size(); ++i) {
          if (i == 0 || kept[i].first != kept[i - 1].first) std::fill(seen.begin(), seen.end(), 0);
          const uint64_t* row = bits + static_cast<std::size_t>(kept[i].second) * words;
          for (std::size_t w = 0; w < words; ++w) {
            if (seen[w] & row[w]) return true;
            seen[w] |= row[w];
          }
        }
        return false;
      },
      py::arg("sets"), py::arg("terminals"), py::arg("component_of"), py::arg("shared"),
      "Whether two components of one set share a text: set sets[i] holds the terminal "
      "terminals[i], terminal t is component component_of[t] (-1: none, not lexed), and row c "
      "of `shared` (terminal_union's) has the bits of the multi-accepting states of c.");

  m.def(
      "words_excluded",
      [](const ByteDFA& base, int32_t start, const py::sequence& words) {
        if (!base.live.empty()) throw std::invalid_argument("words_excluded needs a whole DFA, not a restricted view");
        check_state(base, start);
        const std::vector<std::string> held = byte_strings(words);
        const std::vector<std::string_view> views(held.begin(), held.end());
        ByteDFA dfa;
        {
          py::gil_scoped_release release;
          dfa = constrain::words_excluded(base, start, views);
        }
        return with_byte_table(std::move(dfa));
      },
      py::arg("base"), py::arg("start"), py::arg("words"),
      "The language of `base` read from `start` less the byte strings `words` (csrc/word_tries.h): "
      "(trans, accepting, the C++ ByteDFA), state 0 the start.");

  m.def(
      "words_trie",
      [](const py::sequence& words) {
        const std::vector<std::string> held = byte_strings(words);
        const std::vector<std::string_view> views(held.begin(), held.end());
        ByteDFA dfa;
        {
          py::gil_scoped_release release;
          dfa = constrain::words_trie(views);
        }
        return with_byte_table(std::move(dfa));
      },
      py::arg("words"),
      "The trie DFA of exactly the byte strings `words` (csrc/word_tries.h): (trans, accepting, the "
      "C++ ByteDFA), state 0 the root.");

  constrain::bind_grammar(m);
  constrain::bind_automata(m);

  py::class_<ByteDFA>(m, "ByteDFA")
      .def(py::init(&make_dfa), py::arg("trans"), py::arg("accepting"))
      .def_readonly("n_states", &ByteDFA::n_states)
      .def(
          "restricted",
          [](ByteDFA& dfa, const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& accepting) {
            if (accepting.ndim() != 1 || accepting.shape(0) != dfa.n_states)
              throw std::invalid_argument("accepting must have n_states entries");
            const uint8_t* acc = accepting.data();
            dfa.ensure_predecessors();  // with the GIL held: the one mutation
            py::gil_scoped_release release;
            return dfa.restricted(acc);
          },
          py::arg("accepting"),
          "A view sharing this DFA's table with new accepting states; states that cannot reach one "
          "are cut off (moves into them are dead).")
      .def(
          "walk_token",
          [](const ByteDFA& dfa, const TokenTrie& trie, int32_t state, int32_t id) {
            check_state(dfa, state);
            return dfa.walk_token(trie, state, id);
          },
          py::arg("trie"), py::arg("state"), py::arg("token_id"),
          "State after the token's bytes, or -1 when it dies or is not text.")
      .def(
          "walk_bytes",
          [](const ByteDFA& dfa, int32_t state, const py::bytes& data) {
            check_state(dfa, state);
            return dfa.walk(state, std::string_view(data));
          },
          py::arg("state"), py::arg("data"))
      .def(
          "accepts_each",
          [](const ByteDFA& dfa, int32_t state, const py::sequence& words) {
            check_state(dfa, state);
            const std::vector<std::string> held = byte_strings(words);
            py::list out(held.size());
            for (std::size_t i = 0; i < held.size(); ++i) {
              const int32_t end = dfa.walk(state, held[i]);
              out[i] = py::bool_(end != constrain::kDead && dfa.accepting[static_cast<std::size_t>(end)]);
            }
            return out;
          },
          py::arg("state"), py::arg("words"),
          "Per byte string of `words`, whether the walk from `state` over it ends accepting (a list).")
      .def(
          "first_bytes",
          [](const ByteDFA& dfa, int32_t state) {
            check_state(dfa, state);
            std::string bits(32, '\0');
            for (int b = 0; b < 256; ++b)
              if (dfa.step(state, static_cast<uint8_t>(b)) != constrain::kDead) bits[b >> 3] |= static_cast<char>(0x80 >> (b & 7));
            return py::bytes(bits);
          },
          py::arg("state"),
          "The bytes with a live move from `state`, as a 256-bit map (bit b of byte b >> 3, most "
          "significant first).")
      .def(
          "token_masks",
          [](const ByteDFA& dfa, const TokenTrie& trie, int32_t state, WordArray alive, py::object ends_accepting) {
            check_state(dfa, state);
            uint32_t* a = words_of(alive, trie, "alive");
            uint32_t* e = nullptr;
            WordArray acc;
            if (!ends_accepting.is_none()) {
              acc = ends_accepting.cast<WordArray>();
              e = words_of(acc, trie, "ends_accepting");
            }
            std::vector<int32_t> stack(trie.stack_size());
            py::gil_scoped_release release;
            dfa.token_masks(trie, state, a, e, stack.data());
          },
          py::arg("trie"), py::arg("state"), py::arg("alive"), py::arg("ends_accepting") = py::none(),
          "Fill the bitmask of tokens that keep the DFA alive from `state` (and of those "
          "that end in an accepting state).")
      .def(
          "lexeme_walk",
          [](const ByteDFA& dfa, const TokenTrie& trie, int32_t state,
             const py::array_t<uint32_t, py::array::c_style | py::array::forcecast>& roots, py::object alive,
             int32_t count) {
            check_state(dfa, state);
            check_count(dfa, state, count);
            uint32_t* a = nullptr;
            WordArray words;
            if (!alive.is_none()) {
              words = alive.cast<WordArray>();
              a = words_of(words, trie, "alive");
            }
            const uint32_t* r = roots.data();
            const size_t n_roots = static_cast<size_t>(roots.size());
            for (size_t k = 0; k < n_roots; ++k)
              if (r[k] >= trie.n_nodes()) throw std::invalid_argument("root node out of range");
            std::vector<int32_t> ids;
            std::vector<uint32_t> nodes;
            std::vector<int32_t> states;
            std::vector<int32_t> stack(trie.stack_size());
            std::vector<int32_t> counts(count >= 0 ? trie.stack_size() : 0);
            std::vector<uint32_t> order;
            {
              py::gil_scoped_release release;
              dfa.lexeme_walk(trie, state, r, n_roots, a, a == nullptr ? &ids : nullptr, nodes, states, stack.data(), count,
                              counts.data());
              // boundaries by accepting state (ascending), walk order kept within a state
              order.resize(nodes.size());
              for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
              std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return states[x] < states[y]; });
            }
            py::list groups;
            for (size_t i = 0, j = 0; i < order.size(); i = j) {
              while (j < order.size() && states[order[j]] == states[order[i]]) ++j;
              py::array_t<uint32_t> group(static_cast<py::ssize_t>(j - i));
              uint32_t* out = group.mutable_data();
              for (size_t k = i; k < j; ++k) out[k - i] = nodes[order[k]];
              groups.append(py::make_tuple(states[order[i]], std::move(group)));
            }
            return py::make_tuple(a == nullptr ? py::object(to_array(ids)) : py::object(py::none()), groups);
          },
          py::arg("trie"), py::arg("state"), py::arg("roots"), py::arg("alive") = py::none(), py::arg("count") = -1,
          "Walk the subtrees of `roots` (node 0 = all) from `state`: tokens that stay live are ORed "
          "into `alive` or, when it is None, returned as ids; returns (ids or None, groups): the "
          "boundaries as (accepting state, nodes) pairs by state ascending, where a lexeme ends after "
          "that state and the byte of each node (a uint32 array, in walk order) starts the next one. "
          "`count` >= 0: the pending lexeme's count, checked against the counter (set_counter).")
      .def(
          "walk_until_dead",
          [](const ByteDFA& dfa, int32_t state, const py::bytes& data, size_t offset, int32_t count) -> py::tuple {
            check_state(dfa, state);
            check_count(dfa, state, count);
            std::string_view d(data);
            size_t i = offset;
            for (; i < d.size(); ++i) {
              const int32_t s = dfa.step(state, static_cast<uint8_t>(d[i]));
              if (s == constrain::kDead) break;
              if (count >= 0) {
                const int32_t e = dfa.counter->enter(s, count);
                if (e < 0) break;
                count = e;
              }
              state = s;
            }
            if (count >= 0) return py::make_tuple(state, i, count);
            return py::make_tuple(state, i);
          },
          py::arg("state"), py::arg("data"), py::arg("offset") = 0, py::arg("count") = -1,
          "(last live state, offset of the byte that killed the walk or len(data)); with `count` >= 0 "
          "(the pending lexeme's count, checked against the counter), (state, offset, count).")
      .def(
          "set_counter",
          [](ByteDFA& dfa, const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& base,
             const py::array_t<int32_t, py::array::c_style | py::array::forcecast>& cap,
             const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& marked,
             const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& saturate,
             const py::array_t<uint64_t, py::array::c_style | py::array::forcecast>& ok,
             const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& room_at,
             const py::array_t<int32_t, py::array::c_style | py::array::forcecast>& room) {
            const auto n = static_cast<py::ssize_t>(dfa.n_states);
            for (const py::ssize_t size : {base.size(), cap.size(), marked.size(), saturate.size(), room_at.size()})
              if (size != n) throw std::invalid_argument("set_counter: one entry per state");
            auto c = std::make_shared<constrain::LexemeCounter>();
            c->base.assign(base.data(), base.data() + n);
            c->cap.assign(cap.data(), cap.data() + n);
            c->marked.assign(marked.data(), marked.data() + n);
            c->saturate.assign(saturate.data(), saturate.data() + n);
            c->ok.assign(ok.data(), ok.data() + ok.size());
            c->room_at.assign(room_at.data(), room_at.data() + n);
            c->room.assign(room.data(), room.data() + room.size());
            const auto bits = static_cast<int64_t>(ok.size()) * 64;
            const auto rooms = static_cast<int64_t>(room.size());
            for (py::ssize_t s = 0; s < n; ++s)
              if ((c->base[s] >= 0) != (c->room_at[s] >= 0) ||
                  (c->base[s] >= 0 && (c->cap[s] < 0 || c->marked[s] > 1 || c->base[s] + c->cap[s] >= bits ||
                                       c->room_at[s] + c->cap[s] >= rooms)))
                throw std::invalid_argument("set_counter: a row out of range");
            dfa.counter = std::move(c);
          },
          py::arg("base"), py::arg("cap"), py::arg("marked"), py::arg("saturate"), py::arg("ok"),
          py::arg("room_at"), py::arg("room"),
          "Attach a lexeme counter (byte_dfa.h: LexemeCounter) to this whole automaton; restricted "
          "views made afterwards share it.");
}
