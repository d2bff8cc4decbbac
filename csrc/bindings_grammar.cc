// Python bindings of the grammar builders: EBNF -> BNF rules (csrc/bnf.h) and LALR tables
// (csrc/lalr.h). Part of module constrain._core (csrc/bindings.cc calls bind_grammar).
#include <pybind11/stl.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>
#include <string>
#include <string_view>

#include "bindings_common.h"
#include "bnf.h"
#include "lalr.h"
#include "lr_run.h"

namespace constrain {

namespace {

struct RuleArrays {
  std::vector<int32_t> lhs, rhs_begin, rhs;
};

// std::invalid_argument naming `what` unless `r` is a well-formed CSR whose ids are in range
void check_rule_ranges(const RuleArrays& r, int32_t n_terminals, int32_t n_nonterminals, const char* what) {
  const std::string name(what);
  if (r.lhs.empty() || r.rhs_begin.size() != r.lhs.size() + 1 || r.rhs_begin[0] != 0 ||
      r.rhs_begin.back() != static_cast<int32_t>(r.rhs.size()))
    throw std::invalid_argument(name + ": bad rule arrays");
  for (size_t i = 0; i < r.lhs.size(); ++i)
    if (r.lhs[i] < 0 || r.lhs[i] >= n_nonterminals || r.rhs_begin[i + 1] < r.rhs_begin[i])
      throw std::invalid_argument(name + ": rule out of range");
  for (int32_t sym : r.rhs)
    if (sym >= n_terminals || (sym < 0 && ~sym >= n_nonterminals))
      throw std::invalid_argument(name + ": symbol out of range");
}

// build_lalr's rule encoding (csrc/lalr.h), copied and checked: std::invalid_argument
// naming `what` for arrays that are not 1-d, a malformed CSR, or an id out of range
RuleArrays checked_rules(const IntArray& lhs_array, const IntArray& rhs_begin_array, const IntArray& rhs_array,
                         int32_t n_terminals, int32_t n_nonterminals, const char* what) {
  const std::string name(what);
  if (lhs_array.ndim() != 1 || rhs_begin_array.ndim() != 1 || rhs_array.ndim() != 1)
    throw std::invalid_argument(name + ": the rule arrays must be 1-d");
  RuleArrays r{{lhs_array.data(), lhs_array.data() + lhs_array.size()},
               {rhs_begin_array.data(), rhs_begin_array.data() + rhs_begin_array.size()},
               {rhs_array.data(), rhs_array.data() + rhs_array.size()}};
  check_rule_ranges(r, n_terminals, n_nonterminals, what);
  return r;
}

// TypeError unless `item` is a rule as the BNF entry points take it: an (lhs, rhs tuple) pair
void check_rule_pair(const py::handle& item) {
  if (!PyTuple_Check(item.ptr()) || PyTuple_GET_SIZE(item.ptr()) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(item.ptr(), 1)))
    throw py::type_error("a rule must be a (lhs, rhs tuple) pair");
}

// A str's UTF-8 text (cached in the object: valid while it lives); TypeError for other objects.
std::string_view utf8_of(const py::handle& text, const char* what) {
  if (!PyUnicode_Check(text.ptr())) throw py::type_error(std::string(what) + " must be str");
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return {data, static_cast<size_t>(size)};
}

// (rules, error, body, token, terminals, nonterminals): the rules as a tuple of
// `rule_type(lhs, rhs)` named tuples (made as tuple.__new__ makes them: no Python call per
// rule), each name one str object; the symbols the rules use but do not define, and those
// they define, each sorted by name (UTF-8 byte order is code point order: Python's sorted()
// order); or (None, error code, index of the body at fault, operator, (), ()) when `status`
// is an error.
// The rules and their rhs tuples hold only strs, so they cannot be part of a cycle: they are
// untracked by the cyclic collector (as it would do itself at its first pass over them), which
// then does not scan a grammar's thousands of rules when the compile's pause ends.
py::tuple bnf_result(const constrain::BNFRules& rules, const constrain::BNFStatus& status, const py::handle& rule_type) {
  if (status.error != constrain::BNFError::kNone)
    return py::make_tuple(py::none(), static_cast<int32_t>(status.error), status.body, std::string(1, status.token),
                          py::tuple(), py::tuple());
  if (!PyType_Check(rule_type.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(rule_type.ptr()), &PyTuple_Type))
    throw py::type_error("rule_type must be a tuple subclass");
  std::vector<py::object> names(rules.names.size());
  const auto name = [&](int32_t s) -> py::object& {
    py::object& found = names[static_cast<size_t>(s)];
    if (!found) found = py::str(rules.names[static_cast<size_t>(s)].data(), rules.names[static_cast<size_t>(s)].size());
    return found;
  };
  py::tuple out(rules.size());
  for (size_t r = 0; r < rules.size(); ++r) {
    py::tuple rhs(static_cast<size_t>(rules.begin[r + 1] - rules.begin[r]));
    for (int32_t k = rules.begin[r]; k < rules.begin[r + 1]; ++k)
      rhs[static_cast<size_t>(k - rules.begin[r])] = name(rules.rhs[static_cast<size_t>(k)]);
    PyObject_GC_UnTrack(rhs.ptr());
    const py::tuple args = py::make_tuple(py::make_tuple(name(rules.lhs[r]), rhs));
    PyObject* rule = PyTuple_Type.tp_new(reinterpret_cast<PyTypeObject*>(rule_type.ptr()), args.ptr(), nullptr);
    if (rule == nullptr) throw py::error_already_set();
    PyObject_GC_UnTrack(rule);
    out[r] = py::reinterpret_steal<py::object>(rule);
  }
  std::vector<uint8_t> defined(rules.names.size(), 0);
  std::vector<int32_t> nonterminals, terminals;
  for (const int32_t s : rules.lhs)
    if (!defined[static_cast<size_t>(s)]) {
      defined[static_cast<size_t>(s)] = 1;
      nonterminals.push_back(s);
    }
  std::vector<uint8_t> listed(defined);
  for (const int32_t s : rules.rhs)
    if (!listed[static_cast<size_t>(s)]) {
      listed[static_cast<size_t>(s)] = 1;
      terminals.push_back(s);
    }
  const auto by_name = [&](int32_t a, int32_t b) {
    return rules.names[static_cast<size_t>(a)] < rules.names[static_cast<size_t>(b)];
  };
  std::sort(terminals.begin(), terminals.end(), by_name);
  std::sort(nonterminals.begin(), nonterminals.end(), by_name);
  const auto names_of = [&](const std::vector<int32_t>& symbols) {
    py::tuple t(symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) t[i] = name(symbols[i]);
    return t;
  };
  return py::make_tuple(out, 0, -1, "", names_of(terminals), names_of(nonterminals));
}

// Reduced (and with `inline_units`, unit rules inlined) after `status` of building them.
constrain::BNFStatus finish_bnf(constrain::BNFRules& rules, constrain::BNFStatus status, std::string_view start,
                                bool inline_units) {
  if (status.error != constrain::BNFError::kNone) return status;
  const int32_t start_id = rules.symbol(start);
  status = constrain::reduce_bnf(rules, start_id);
  if (status.error == constrain::BNFError::kNone && inline_units) constrain::inline_unit_bnf(rules, start_id);
  return status;
}


// Rules ((lhs, rhs tuple) pairs of names) encoded for build_lalr: rule 0 is $start -> start
// $END ($start = the number of nonterminals), then each rule; a nonterminal n is written ~n.
// KeyError for a name in neither dict.
RuleArrays encoded_rules(const py::sequence& rules, const py::dict& nonterminal_ids, const py::dict& terminal_ids,
                         int32_t start, int32_t end) {
  RuleArrays r{{static_cast<int32_t>(nonterminal_ids.size())}, {0, 2}, {~start, end}};
  const auto id_in = [](const py::dict& ids, PyObject* name) -> PyObject* {
    PyObject* found = PyDict_GetItemWithError(ids.ptr(), name);
    if (found == nullptr && PyErr_Occurred()) throw py::error_already_set();
    return found;
  };
  for (const auto& item : rules) {
    check_rule_pair(item);
    PyObject* left = id_in(nonterminal_ids, PyTuple_GET_ITEM(item.ptr(), 0));
    if (left == nullptr) throw py::key_error("a rule's lhs is not a nonterminal");
    r.lhs.push_back(py::cast<int32_t>(left));
    PyObject* symbols = PyTuple_GET_ITEM(item.ptr(), 1);
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(symbols); ++k) {
      PyObject* name = PyTuple_GET_ITEM(symbols, k);
      if (PyObject* n = id_in(nonterminal_ids, name)) {
        r.rhs.push_back(~py::cast<int32_t>(n));
      } else if (PyObject* t = id_in(terminal_ids, name)) {
        r.rhs.push_back(py::cast<int32_t>(t));
      } else {
        throw py::key_error("a rule's symbol is neither a nonterminal nor a terminal");
      }
    }
    r.rhs_begin.push_back(static_cast<int32_t>(r.rhs.size()));
  }
  return r;
}

// The LALR tables of encoded rules as the parser reads them: (n_states, conflicts,
// pair_state, pair_terminal, LRTables): conflicts as (state, terminal, rule, kind) tuples;
// the action pairs on a terminal other than the end marker `end` as two int32 arrays; the
// rows (moved out of `t`) in an LRTables (csrc/lr_run.h). A build stopped by its limits
// gives why instead, as an int (constrain::LALRStop).
py::object lalr_rows(const RuleArrays& r, constrain::LALRResult& t, int32_t end) {
  if (t.stopped != constrain::LALRStop::kComplete) return py::int_(static_cast<int32_t>(t.stopped));
  const auto n = static_cast<size_t>(t.n_states);
  std::vector<int32_t> split(n), pair_state, pair_terminal;
  for (size_t s = 0; s < n; ++s) {
    auto k = static_cast<size_t>(t.row_begin[s]);
    for (; k < static_cast<size_t>(t.row_begin[s + 1]) && t.row_symbol[k] < 0; ++k) t.row_symbol[k] = ~t.row_symbol[k];
    split[s] = static_cast<int32_t>(k);
    for (; k < static_cast<size_t>(t.row_begin[s + 1]); ++k)
      if (t.row_symbol[k] < end) {
        pair_state.push_back(static_cast<int32_t>(s));
        pair_terminal.push_back(t.row_symbol[k]);
      }
  }
  py::list conflicts;
  for (size_t i = 0; i + 3 < t.conflicts.size(); i += 4)
    conflicts.append(py::make_tuple(t.conflicts[i], t.conflicts[i + 1], t.conflicts[i + 2], t.conflicts[i + 3]));
  std::vector<int32_t> rule_len(r.lhs.size());
  for (size_t i = 0; i < r.lhs.size(); ++i) rule_len[i] = r.rhs_begin[i + 1] - r.rhs_begin[i];
  auto runs = std::make_shared<LRTables>(t.n_states, std::move(t.row_begin), std::move(split), std::move(t.row_symbol),
                                         std::move(t.row_value), std::move(rule_len), r.lhs);
  return py::make_tuple(t.n_states, conflicts, to_array(pair_state), to_array(pair_terminal), std::move(runs));
}

// An LR stack of the Python parser is a (state, below) pair, `below` the same or None at the
// bottom; anything else is a TypeError, checked at every pair the run reaches.
void check_pair(const py::handle& stack) {
  if (!PyTuple_Check(stack.ptr()) || PyTuple_GET_SIZE(stack.ptr()) != 2)
    throw py::type_error("an LR stack is a (state, below) pair");
}

// The state on top of `stack`, one of the tables' (ValueError otherwise).
int32_t top_state(const LRTables& t, const py::handle& stack) {
  check_pair(stack);
  const auto s = py::cast<int32_t>(PyTuple_GET_ITEM(stack.ptr(), 0));
  if (s < 0 || s >= t.n_states) throw std::invalid_argument("an LR stack state is out of range");
  return s;
}

// The pair below `stack`'s top (ValueError past the bottom).
py::handle below(const py::handle& stack) {
  check_pair(stack);
  py::handle next = PyTuple_GET_ITEM(stack.ptr(), 1);
  if (next.is_none()) throw std::invalid_argument("the LR stack is shorter than the run needs");
  return next;
}

// An action or goto of row `state` (ValueError for a state out of range), None where there is none.
template <int32_t (LRTables::*kLookup)(int32_t, int32_t) const>
py::object row_entry(const LRTables& t, int32_t state, int32_t symbol) {
  if (state < 0 || state >= t.n_states) throw std::invalid_argument("state out of range");
  const int32_t v = (t.*kLookup)(state, symbol);
  return v == kNoAction ? py::object(py::none()) : py::object(py::int_(v));
}

// build_lalr on encoded rules, run on a thread of its own (`threaded`) or at `result()`; the
// caller goes on meanwhile (the build touches no Python object). `result()` waits for it
// with the GIL released and gives lalr_rows' tuple, once; the destructor waits for a
// running build.
class LALRJob {
 public:
  LALRJob(RuleArrays rules, int32_t end, int32_t n_nonterminals, constrain::LALRLimits limits, bool threaded)
      : rules_(std::move(rules)), end_(end), n_nonterminals_(n_nonterminals), limits_(limits) {
    if (threaded) thread_ = std::thread([this] { run(); });
  }
  LALRJob(const LALRJob&) = delete;
  LALRJob& operator=(const LALRJob&) = delete;
  ~LALRJob() {
    if (thread_.joinable()) thread_.join();
  }

  py::object result() {
    if (taken_) throw std::logic_error("LALRJob.result: the tables were already taken");
    taken_ = true;
    {
      py::gil_scoped_release release;
      if (thread_.joinable())
        thread_.join();
      else
        run();
    }
    if (error_) std::rethrow_exception(error_);
    return lalr_rows(rules_, tables_, end_);
  }

 private:
  void run() noexcept {
    try {
      tables_ = constrain::build_lalr(rules_.lhs, rules_.rhs_begin, rules_.rhs, end_ + 1, n_nonterminals_, limits_);
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  RuleArrays rules_;
  int32_t end_, n_nonterminals_;
  constrain::LALRLimits limits_;
  constrain::LALRResult tables_;
  std::exception_ptr error_;
  bool taken_ = false;
  std::thread thread_;      // last: started once the fields it reads are set
};
}  // namespace

void bind_grammar(py::module_& m) {
  m.def(
      "expand_ebnf",
      [](const py::dict& bodies, const py::str& start, bool inline_units, const py::handle& rule_type) {
        std::vector<py::object> held;    // the texts stay alive while the GIL is released
        std::vector<std::string_view> lhs, text;
        for (const auto& [name, body] : bodies) {
          held.push_back(py::reinterpret_borrow<py::object>(name));
          held.push_back(py::reinterpret_borrow<py::object>(body));
          lhs.push_back(utf8_of(name, "a rule name"));
          text.push_back(utf8_of(body, "a rule body"));
        }
        const std::string_view start_name = utf8_of(start, "start");
        constrain::BNFRules rules;
        constrain::BNFStatus status;
        {
          py::gil_scoped_release release;
          status = finish_bnf(rules, constrain::expand_ebnf(lhs, text, rules), start_name, inline_units);
        }
        return bnf_result(rules, status, rule_type);
      },
      py::arg("bodies"), py::arg("start"), py::arg("inline_units"), py::arg("rule_type"),
      "BNF rules of EBNF bodies {lhs: body} (csrc/bnf.h), reduced from `start`, unit rules inlined "
      "when asked: (tuple of rule_type(lhs, rhs), 0, -1, '', terminals, nonterminals) or (None, error, body "
      "index, operator, (), ()); terminals: the symbols used and not defined, nonterminals: the defined "
      "ones, both sorted.");

  m.def(
      "reduce_bnf",
      [](const py::sequence& given, const py::str& start, bool inline_units, const py::handle& rule_type) {
        constrain::BNFRules rules;
        std::vector<int32_t> rhs;
        for (const auto& item : given) {
          check_rule_pair(item);
          const auto rule = py::reinterpret_borrow<py::tuple>(item);
          rhs.clear();
          for (const auto& s : py::reinterpret_borrow<py::tuple>(rule[1])) rhs.push_back(rules.symbol(utf8_of(s, "a symbol")));
          rules.add(rules.symbol(utf8_of(rule[0], "a rule's lhs")), rhs.data(), rhs.data() + rhs.size());
        }
        const constrain::BNFStatus status = finish_bnf(rules, {}, utf8_of(start, "start"), inline_units);
        return bnf_result(rules, status, rule_type);
      },
      py::arg("rules"), py::arg("start"), py::arg("inline_units"), py::arg("rule_type"),
      "`rules` ((lhs, rhs) pairs, held by the caller) reduced from `start`, unit rules inlined when "
      "asked; the result as expand_ebnf's.");

  m.def(
      "encode_rules",
      [](const py::sequence& rules, const py::dict& nonterminal_ids, const py::dict& terminal_ids, int32_t start,
         int32_t end) {
        const RuleArrays r = encoded_rules(rules, nonterminal_ids, terminal_ids, start, end);
        return py::make_tuple(to_array(r.lhs), to_array(r.rhs_begin), to_array(r.rhs));
      },
      py::arg("rules"), py::arg("nonterminal_ids"), py::arg("terminal_ids"), py::arg("start"), py::arg("end"),
      "Rules ((lhs, rhs) pairs) as build_lalr's arrays (lhs, rhs_begin, rhs), the augmented rule "
      "$start -> start $END first ($start = len(nonterminal_ids)); names by the two {name: id} dicts.");

  m.def(
      "nullable_nonterminals",
      [](const IntArray& lhs_array, const IntArray& rhs_begin_array, const IntArray& rhs_array, int32_t n_terminals,
         int32_t n_nonterminals) {
        const auto [lhs, rhs_begin, rhs] = checked_rules(lhs_array, rhs_begin_array, rhs_array, n_terminals,
                                                         n_nonterminals, "nullable_nonterminals");
        const std::vector<uint8_t> nullable = constrain::nullable_nonterminals(lhs, rhs_begin, rhs, n_nonterminals);
        py::array_t<bool> out(static_cast<py::ssize_t>(nullable.size()));
        std::copy(nullable.begin(), nullable.end(), out.mutable_data());
        return out;
      },
      py::arg("lhs"), py::arg("rhs_begin"), py::arg("rhs"), py::arg("n_terminals"), py::arg("n_nonterminals"),
      "Which nonterminals derive the empty string, for rules encoded as build_lalr's: a bool array.");

  m.def(
      "build_lalr",
      [](const IntArray& lhs_array, const IntArray& rhs_begin_array, const IntArray& rhs_array, int32_t n_terminals,
         int32_t n_nonterminals, int32_t max_states) -> py::object {
        if (n_terminals < 1) throw std::invalid_argument("build_lalr: no terminals");
        const auto [lhs, rhs_begin, rhs] = checked_rules(lhs_array, rhs_begin_array, rhs_array, n_terminals,
                                                         n_nonterminals, "build_lalr");
        constrain::LALRResult t;
        {
          py::gil_scoped_release release;
          t = constrain::build_lalr(lhs, rhs_begin, rhs, n_terminals, n_nonterminals, constrain::LALRLimits{max_states});
        }
        if (t.stopped != constrain::LALRStop::kComplete) return py::none();
        return py::make_tuple(t.n_states, to_array(t.row_begin), to_array(t.row_symbol), to_array(t.row_value),
                              to_array(t.conflicts));
      },
      py::arg("lhs"), py::arg("rhs_begin"), py::arg("rhs"), py::arg("n_terminals"), py::arg("n_nonterminals"),
      py::arg("max_states"),
      "LALR(1) tables (csrc/lalr.h): (n_states, row_begin, row_symbol, row_value, conflicts) with "
      "conflicts as flat (state, terminal, rule, kind) quadruples; None past max_states LR states.");

  py::class_<LALRJob>(m, "LALRJob",
                      "LALR tables being built (start_lalr_tables); result() waits for them, once.")
      .def("result", &LALRJob::result,
           "(n_states, conflicts, pair_state, pair_terminal, LRTables) (see lalr_rows in "
           "csrc/bindings_grammar.cc), or, for a build its limits stopped, why: 1 past max_states LR "
           "states, 2 past max_set_words, 3 past its time.");

  py::class_<LRTables, std::shared_ptr<LRTables>>(
      m, "LRTables", "LALR tables as the parser runs them (csrc/lr_run.h); stacks are (state, below) pairs.")
      .def_readonly("n_states", &LRTables::n_states)
      .def("action", row_entry<&LRTables::action>, py::arg("state"), py::arg("terminal"),
           "The shift target (>= 0) or ~rule on `terminal`, or None.")
      .def("goto", row_entry<&LRTables::go>, py::arg("state"), py::arg("nonterminal"),
           "The goto target on `nonterminal`, or None.")
      .def(
          "advance",
          [](const LRTables& t, py::object stack, int32_t terminal) -> py::object {
            while (true) {
              const int32_t a = t.action(top_state(t, stack), terminal);
              if (a == kNoAction) return py::none();
              if (a >= 0) return py::make_tuple(a, stack);
              for (int32_t n = t.rule_len[static_cast<size_t>(~a)]; n > 0; --n)
                stack = py::reinterpret_borrow<py::object>(below(stack));
              stack = py::make_tuple(t.goto_after(top_state(t, stack), a), stack);
            }
          },
          py::arg("stack"), py::arg("terminal"),
          "The stack after reducing then shifting `terminal`, or None when the tables refuse it.")
      .def(
          "simulate",
          [](const LRTables& t, const py::object& stack, const std::vector<int32_t>& seq) {
            py::handle cursor = stack;
            auto state_at = [&](size_t k) {
              if (k > 0) cursor = below(cursor);
              return top_state(t, cursor);
            };
            LRView<decltype(state_at)> view(state_at);
            std::vector<int32_t> shifted;
            const bool accepted = lr_simulate(t, view, seq.data(), seq.size(), shifted);
            std::sort(shifted.begin(), shifted.end());
            py::object answer = py::none();
            if (accepted) {
              py::tuple ids(shifted.size());
              for (size_t i = 0; i < shifted.size(); ++i) ids[i] = py::int_(shifted[i]);
              answer = std::move(ids);
            }
            return py::make_tuple(std::move(answer), py::cast(view.reads));
          },
          py::arg("stack"), py::arg("seq"),
          "(terminals that shift after `seq`, a sorted tuple, or None when `seq` is refused; [(depth, state)] in the "
          "order the run first read them): the lookahead simulation of csrc/lr_run.h.");

  m.def(
      "start_lalr_tables",
      [](const py::sequence& rules, const py::dict& nonterminal_ids, const py::dict& terminal_ids, int32_t start,
         int32_t end, int32_t max_states, bool threaded, std::size_t max_set_words, double seconds) {
        if (end < 0) throw std::invalid_argument("start_lalr_tables: end (the number of terminals) must be >= 0");
        RuleArrays r = encoded_rules(rules, nonterminal_ids, terminal_ids, start, end);
        const auto n_nonterminals = static_cast<int32_t>(nonterminal_ids.size()) + 1;
        check_rule_ranges(r, end + 1, n_nonterminals, "start_lalr_tables");
        constrain::LALRLimits limits{max_states, max_set_words};
        if (seconds >= 0)
          limits.deadline = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(std::min(seconds, 1e9)));
        return std::make_unique<LALRJob>(std::move(r), end, n_nonterminals, limits, threaded);
      },
      py::arg("rules"), py::arg("nonterminal_ids"), py::arg("terminal_ids"), py::arg("start"), py::arg("end"),
      py::arg("max_states"), py::arg("threaded"), py::arg("max_set_words") = SIZE_MAX, py::arg("seconds") = -1.0,
      "encode_rules now (KeyError for an unknown name), then build_lalr on a thread of its own when "
      "`threaded` (else at result()): the LALRJob whose result() is the tables as the parser reads them. "
      "Limits (csrc/lalr.h): max_states, max_set_words (default: none), and `seconds` from now "
      "(default, or negative: none).");
}

}  // namespace constrain
