#include "bnf.h"

#include <algorithm>
#include <utility>

namespace constrain {

int32_t BNFRules::symbol(std::string_view name) {
  const auto [it, fresh] = ids_.try_emplace(name, static_cast<int32_t>(names.size()));
  if (fresh) names.push_back(name);
  return it->second;
}

int32_t BNFRules::owned_symbol(std::string name) {
  owned_.push_back(std::move(name));
  return symbol(owned_.back());
}

uint64_t BNFRules::hash(int32_t left, const int32_t* first, const int32_t* last) const {
  uint64_t h = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32 | static_cast<uint64_t>(last - first)) *
               0x9E3779B97F4A7C15ull;
  for (const int32_t* s = first; s != last; ++s) h = (h ^ static_cast<uint32_t>(*s)) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

void BNFRules::add(int32_t left, const int32_t* first, const int32_t* last) {
  const uint64_t h = hash(left, first, last);
  std::size_t slot = 0;
  const int32_t found = rule_ids_.find(h, [&](int32_t r) {
    return lhs[r] == left && std::equal(first, last, rhs.begin() + begin[r], rhs.begin() + begin[r + 1]);
  }, slot);
  if (found >= 0) return;
  rule_ids_.add(slot, static_cast<int32_t>(lhs.size()), h);
  lhs.push_back(left);
  rhs.insert(rhs.end(), first, last);
  begin.push_back(static_cast<int32_t>(rhs.size()));
}

namespace {

using Sequence = std::vector<int32_t>;
using Alternatives = std::vector<Sequence>;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool starts_name(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool continues_name(char c) { return starts_name(c) || (c >= '0' && c <= '9'); }
bool is_operator(char c) { return c == '(' || c == ')' || c == '|' || c == '?' || c == '*' || c == '+'; }

// The alternatives without repeats (first occurrence kept).
void append_new(Alternatives& to, Alternatives&& more) {
  for (auto& seq : more)
    if (std::find(to.begin(), to.end(), seq) == to.end()) to.push_back(std::move(seq));
}

// The bodies, one after another: each tokenized (a symbol id >= 0, or ~operator character),
// then its rules added: straight from the tokens when it has no group or repetition (most
// bodies), else by recursive descent. Helper rules are numbered across bodies.
class BodyParser {
 public:
  explicit BodyParser(BNFRules& out) : out_(out) {}

  BNFStatus expand(std::string_view lhs, std::string_view body) {
    lhs_ = lhs;
    const int32_t left = out_.symbol(lhs);
    tokens_.clear();
    pos_ = 0;
    status_ = {};
    bool flat = true;
    for (size_t i = 0; i < body.size();) {
      const char c = body[i];
      if (is_space(c)) {
        ++i;
      } else if (is_operator(c)) {
        tokens_.push_back(~static_cast<int32_t>(static_cast<unsigned char>(c)));
        flat = flat && c == '|';
        ++i;
      } else if (starts_name(c)) {
        size_t j = i + 1;
        while (j < body.size() && continues_name(body[j])) ++j;
        tokens_.push_back(out_.symbol(body.substr(i, j - i)));
        i = j;
      } else {
        return {BNFError::kUnexpectedText};
      }
    }
    if (flat) {         // alternatives of plain sequences, added in order (add() drops repeats)
      size_t from = 0;
      for (size_t k = 0; k <= tokens_.size(); ++k)
        if (k == tokens_.size() || tokens_[k] < 0) {
          out_.add(left, tokens_.data() + from, tokens_.data() + k);
          from = k + 1;
        }
      return status_;
    }
    const Alternatives alts = alternatives();
    if (status_.error == BNFError::kNone && pos_ != tokens_.size()) status_.error = BNFError::kUnbalanced;
    if (status_.error == BNFError::kNone)
      for (const auto& seq : alts) out_.add(left, seq.data(), seq.data() + seq.size());
    return status_;
  }

 private:
  bool at(char op) const { return pos_ < tokens_.size() && tokens_[pos_] == ~static_cast<int32_t>(op); }

  Alternatives alternatives() {
    Alternatives alts;
    append_new(alts, sequence());
    while (status_.error == BNFError::kNone && at('|')) {
      ++pos_;
      append_new(alts, sequence());
    }
    return alts;
  }

  Alternatives sequence() {
    Alternatives seqs(1);
    while (status_.error == BNFError::kNone && pos_ < tokens_.size() && !at('|') && !at(')')) {
      const Alternatives parts = item();
      Alternatives longer;
      longer.reserve(seqs.size() * parts.size());
      for (const auto& s : seqs)
        for (const auto& p : parts) {
          longer.push_back(s);
          longer.back().insert(longer.back().end(), p.begin(), p.end());
        }
      seqs = std::move(longer);
    }
    return seqs;
  }

  Alternatives item() {
    const int32_t tok = tokens_[pos_++];
    Alternatives inner;
    if (tok == ~static_cast<int32_t>('(')) {
      inner = alternatives();
      if (status_.error != BNFError::kNone) return {};
      if (!at(')')) {
        status_.error = BNFError::kMissingParen;
        return {};
      }
      ++pos_;
    } else if (tok < 0) {
      status_ = {BNFError::kUnexpectedToken, -1, static_cast<char>(~tok)};
      return {};
    } else {
      inner.push_back({tok});
    }
    if (at('?')) {
      ++pos_;
      inner.insert(inner.begin(), Sequence());
      return inner;
    }
    const bool star = at('*');
    if (star || at('+')) {
      ++pos_;
      const int32_t helper = out_.owned_symbol(std::string(lhs_) + "__rep" + std::to_string(helpers_++));
      Sequence rec{helper};
      for (const auto& seq : inner) {
        out_.add(helper, seq.data(), seq.data() + seq.size());
        rec.resize(1);
        rec.insert(rec.end(), seq.begin(), seq.end());
        out_.add(helper, rec.data(), rec.data() + rec.size());
      }
      Alternatives uses{{helper}};
      if (star) uses.emplace_back();
      return uses;
    }
    return inner;
  }

  BNFRules& out_;
  int32_t helpers_ = 0;   // numbers the helper rules of all bodies, as ebnf.py does
  std::string_view lhs_;
  std::vector<int32_t> tokens_;
  size_t pos_ = 0;
  BNFStatus status_;
};

// The rules kept (`keep[r]`), with each rhs symbol s read as rename[s], repeats dropped.
void rebuild(BNFRules& rules, const std::vector<uint8_t>& keep, const std::vector<int32_t>& rename) {
  const std::vector<int32_t> lhs = std::move(rules.lhs), begin = std::move(rules.begin), rhs = std::move(rules.rhs);
  rules.clear_rules();
  std::vector<int32_t> renamed;
  for (size_t r = 0; r < lhs.size(); ++r) {
    if (!keep[r]) continue;
    renamed.clear();
    for (int32_t k = begin[r]; k < begin[r + 1]; ++k) renamed.push_back(rename[static_cast<size_t>(rhs[k])]);
    if (renamed.size() == 1 && renamed[0] == lhs[r]) continue;    // A -> A
    rules.add(lhs[r], renamed.data(), renamed.data() + renamed.size());
  }
}

std::vector<int32_t> identity(size_t n) {
  std::vector<int32_t> ids(n);
  for (size_t s = 0; s < n; ++s) ids[s] = static_cast<int32_t>(s);
  return ids;
}

}  // namespace

void BNFRules::clear_rules() {
  lhs.clear();
  rhs.clear();
  begin.assign(1, 0);
  rule_ids_.clear();
}

BNFStatus expand_ebnf(const std::vector<std::string_view>& lhs, const std::vector<std::string_view>& bodies,
                      BNFRules& out) {
  BodyParser parser(out);
  for (size_t i = 0; i < lhs.size(); ++i) {
    BNFStatus status = parser.expand(lhs[i], bodies[i]);
    if (status.error != BNFError::kNone) {
      status.body = static_cast<int32_t>(i);
      return status;
    }
  }
  return {};
}

BNFStatus reduce_bnf(BNFRules& rules, int32_t start) {
  const size_t n_symbols = rules.names.size(), n_rules = rules.size();
  std::vector<uint8_t> has_rules(n_symbols, 0);
  for (const int32_t a : rules.lhs) has_rules[static_cast<size_t>(a)] = 1;
  if (start < 0 || static_cast<size_t>(start) >= n_symbols || !has_rules[static_cast<size_t>(start)])
    return {BNFError::kNoStart};
  // productive: a worklist over each rule's count of nonterminal occurrences not yet known productive
  std::vector<int32_t> missing(n_rules, 0), use_begin(n_symbols + 1, 0), uses, todo;
  for (const int32_t s : rules.rhs)
    if (has_rules[static_cast<size_t>(s)]) ++use_begin[static_cast<size_t>(s) + 1];
  for (size_t s = 0; s < n_symbols; ++s) use_begin[s + 1] += use_begin[s];
  uses.resize(static_cast<size_t>(use_begin.back()));
  std::vector<int32_t> filled(use_begin.begin(), use_begin.end() - 1);
  for (size_t r = 0; r < n_rules; ++r) {
    for (int32_t k = rules.begin[r]; k < rules.begin[r + 1]; ++k) {
      const auto s = static_cast<size_t>(rules.rhs[static_cast<size_t>(k)]);
      if (!has_rules[s]) continue;
      ++missing[r];
      uses[static_cast<size_t>(filled[s]++)] = static_cast<int32_t>(r);
    }
    if (missing[r] == 0) todo.push_back(rules.lhs[r]);
  }
  std::vector<uint8_t> productive(n_symbols, 0);
  while (!todo.empty()) {
    const auto a = static_cast<size_t>(todo.back());
    todo.pop_back();
    if (productive[a]) continue;
    productive[a] = 1;
    for (int32_t u = use_begin[a]; u < use_begin[a + 1]; ++u)
      if (--missing[static_cast<size_t>(uses[static_cast<size_t>(u)])] == 0)
        todo.push_back(rules.lhs[static_cast<size_t>(uses[static_cast<size_t>(u)])]);
  }
  if (!productive[static_cast<size_t>(start)]) return {BNFError::kEmpty};
  // reachable from start through useful rules (those whose nonterminals are all productive)
  std::vector<int32_t> rule_begin(n_symbols + 1, 0), by_lhs(n_rules);
  for (size_t r = 0; r < n_rules; ++r) ++rule_begin[static_cast<size_t>(rules.lhs[r]) + 1];
  for (size_t s = 0; s < n_symbols; ++s) rule_begin[s + 1] += rule_begin[s];
  for (size_t s = 0; s < n_symbols; ++s) filled[s] = rule_begin[s];
  for (size_t r = 0; r < n_rules; ++r) by_lhs[static_cast<size_t>(filled[static_cast<size_t>(rules.lhs[r])]++)] = static_cast<int32_t>(r);
  std::vector<uint8_t> reachable(n_symbols, 0);
  reachable[static_cast<size_t>(start)] = 1;
  todo.assign(1, start);
  while (!todo.empty()) {
    const auto a = static_cast<size_t>(todo.back());
    todo.pop_back();
    for (int32_t i = rule_begin[a]; i < rule_begin[a + 1]; ++i) {
      const auto r = static_cast<size_t>(by_lhs[static_cast<size_t>(i)]);
      if (missing[r]) continue;
      for (int32_t k = rules.begin[r]; k < rules.begin[r + 1]; ++k) {
        const int32_t s = rules.rhs[static_cast<size_t>(k)];
        if (has_rules[static_cast<size_t>(s)] && !reachable[static_cast<size_t>(s)]) {
          reachable[static_cast<size_t>(s)] = 1;
          todo.push_back(s);
        }
      }
    }
  }
  std::vector<uint8_t> keep(n_rules);
  for (size_t r = 0; r < n_rules; ++r) keep[r] = missing[r] == 0 && reachable[static_cast<size_t>(rules.lhs[r])];
  rebuild(rules, keep, identity(n_symbols));
  return {};
}

void inline_unit_bnf(BNFRules& rules, int32_t start) {
  const size_t n_symbols = rules.names.size();
  std::vector<int32_t> count(n_symbols), alias(n_symbols);
  while (true) {
    std::fill(count.begin(), count.end(), 0);
    for (const int32_t a : rules.lhs) ++count[static_cast<size_t>(a)];
    std::fill(alias.begin(), alias.end(), -1);
    bool any = false;
    for (size_t r = 0; r < rules.size(); ++r) {
      const auto a = static_cast<size_t>(rules.lhs[r]);
      if (rules.begin[r + 1] - rules.begin[r] == 1 && count[a] == 1 && rules.lhs[r] != start) {
        alias[a] = rules.rhs[static_cast<size_t>(rules.begin[r])];
        any = true;
      }
    }
    if (!any) return;
    // a chain of aliases ends (in reduced rules none is a cycle: its nonterminals would derive
    // nothing); the bound only keeps a broken input from looping
    std::vector<int32_t> rename = identity(n_symbols);
    std::vector<uint8_t> keep(rules.size());
    for (size_t s = 0; s < n_symbols; ++s) {
      int32_t target = static_cast<int32_t>(s);
      for (size_t steps = 0; alias[static_cast<size_t>(target)] >= 0 && steps <= n_symbols; ++steps)
        target = alias[static_cast<size_t>(target)];
      rename[s] = target;
    }
    for (size_t r = 0; r < rules.size(); ++r) keep[r] = alias[static_cast<size_t>(rules.lhs[r])] < 0;
    rebuild(rules, keep, rename);
  }
}

}  // namespace constrain
