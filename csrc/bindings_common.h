// What the binding files share (csrc/bindings.cc, csrc/bindings_grammar.cc, csrc/bindings_automata.cc).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace constrain {

namespace py = pybind11;

using IntArray = py::array_t<int32_t, py::array::c_style | py::array::forcecast>;

template <class T>
inline py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

// The raw bytes of 32-bit values (Python reads them as array.array("i"): slicing and tolist
// without numpy, whose calls on small arrays cost the most when the caches are cold).
template <class T>
inline py::bytes int32_bytes(const std::vector<T>& v) {
  static_assert(sizeof(T) == 4, "32-bit values");
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

// The grammar entry points: EBNF and BNF rules (csrc/bnf.h), their LALR encoding and tables
// (csrc/lalr.h).
void bind_grammar(py::module_& m);

// The regex automaton steps: Thompson NFA, UTF-8 expansion, subset construction, minimization
// (csrc/bindings_automata.cc).
void bind_automata(py::module_& m);

}  // namespace constrain
