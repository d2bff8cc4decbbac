#include "subset.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "interned.h"

namespace constrain {

namespace {

// A closure key: kernel states ascending, then -1, then tags ascending.
using Key = std::vector<int32_t>;

class Closures {
 public:
  explicit Closures(const NFAView& nfa)
      : nfa_(nfa), memo_(static_cast<std::size_t>(nfa.n_states)), done_(static_cast<std::size_t>(nfa.n_states), 0),
        seen_stamp_(static_cast<std::size_t>(nfa.n_states), 0), kernel_stamp_(static_cast<std::size_t>(nfa.n_states), 0) {}

  Key of_start() { return compute(nfa_.start, true); }

  // The key of the closure of a set of seeds (away from the start: union of member closures).
  void of_set(const std::vector<int32_t>& seeds, Key& out) {
    if (seeds.size() == 1) {
      out = member(seeds[0]);
      return;
    }
    for (int32_t s : seeds) member(s);  // computed first: compute() reuses the buffers below
    ++stamp_;
    kernel_.clear();
    tag_buf_.clear();
    for (int32_t s : seeds) {
      const Key& part = member(s);
      std::size_t i = 0;
      for (; part[i] != -1; ++i)
        if (kernel_stamp_[part[i]] != stamp_) {
          kernel_stamp_[part[i]] = stamp_;
          kernel_.push_back(part[i]);
        }
      for (++i; i < part.size(); ++i) tag_buf_.push_back(part[i]);
    }
    finish(out);
  }

 private:
  const Key& member(int32_t s) {
    if (!done_[s]) {
      memo_[s] = compute(s, false);
      done_[s] = 1;
    }
    return memo_[s];
  }

  Key compute(int32_t seed, bool at_start) {
    ++stamp_;
    reached_.clear();
    reach(&seed, 1, at_start, false);
    kernel_.clear();
    tag_buf_.clear();
    ending_.clear();
    for (int32_t s : reached_) {
      if (nfa_.move_class.begin[s] != nfa_.move_class.begin[s + 1]) kernel_.push_back(s);
      for (const int32_t* t = nfa_.eos.start_of(s); t != nfa_.eos.end_of(s); ++t) ending_.push_back(*t);
    }
    if (!ending_.empty()) reach(ending_.data(), ending_.size(), at_start, true);
    for (int32_t s : reached_)
      for (const int32_t* t = nfa_.tags.start_of(s); t != nfa_.tags.end_of(s); ++t) tag_buf_.push_back(*t);
    Key out;
    finish(out);
    return out;
  }

  // Adds to reached_ the states reachable from seeds (not yet seen under this stamp).
  void reach(const int32_t* seeds, std::size_t n, bool at_start, bool through_eos) {
    stack_.clear();
    for (std::size_t i = 0; i < n; ++i) push(seeds[i]);
    while (!stack_.empty()) {
      const int32_t s = stack_.back();
      stack_.pop_back();
      for (const int32_t* t = nfa_.eps.start_of(s); t != nfa_.eps.end_of(s); ++t) push(*t);
      if (at_start)
        for (const int32_t* t = nfa_.bos.start_of(s); t != nfa_.bos.end_of(s); ++t) push(*t);
      if (through_eos)
        for (const int32_t* t = nfa_.eos.start_of(s); t != nfa_.eos.end_of(s); ++t) push(*t);
    }
  }

  void push(int32_t s) {
    if (seen_stamp_[s] != stamp_) {
      seen_stamp_[s] = stamp_;
      reached_.push_back(s);
      stack_.push_back(s);
    }
  }

  void finish(Key& out) {
    std::sort(kernel_.begin(), kernel_.end());
    std::sort(tag_buf_.begin(), tag_buf_.end());
    tag_buf_.erase(std::unique(tag_buf_.begin(), tag_buf_.end()), tag_buf_.end());
    out.assign(kernel_.begin(), kernel_.end());
    out.push_back(-1);
    out.insert(out.end(), tag_buf_.begin(), tag_buf_.end());
  }

  const NFAView& nfa_;
  std::vector<Key> memo_;
  std::vector<uint8_t> done_;
  std::vector<uint32_t> seen_stamp_, kernel_stamp_;
  uint32_t stamp_ = 0;
  std::vector<int32_t> reached_, stack_, kernel_, tag_buf_, ending_;
};

}  // namespace

SubsetResult subset_construction(const NFAView& nfa, int32_t n_classes, int32_t max_states) {
  SubsetResult out;
  Closures closures(nfa);
  Interned<int32_t> keys;            // DFA state i's key is keys[i]
  Interned<int32_t> targets;         // memo: sorted move targets -> DFA state (target_state)
  std::vector<int32_t> target_state;
  std::size_t slot = 0;
  uint64_t hash = 0;
  Key key = closures.of_start();
  keys.find(key.data(), key.data() + key.size(), slot, hash);
  keys.add(key.data(), key.data() + key.size(), slot, hash);
  std::vector<std::vector<int32_t>> buckets(static_cast<std::size_t>(n_classes));
  std::vector<int32_t> touched;
  for (std::size_t i = 0; i < static_cast<std::size_t>(keys.size()); ++i) {
    touched.clear();
    for (const int32_t* k = keys.data(i); *k != -1; ++k) {  // the kernel, read before any key is added
      const int32_t s = *k;
      const int32_t* c = nfa.move_class.start_of(s);
      const int32_t* t = nfa.move_target.start_of(s);
      for (; c != nfa.move_class.end_of(s); ++c, ++t) {
        auto& bucket = buckets[static_cast<std::size_t>(*c)];
        if (bucket.empty()) touched.push_back(*c);
        bucket.push_back(*t);
      }
    }
    const std::size_t row = out.trans.size();
    out.trans.resize(row + static_cast<std::size_t>(n_classes), -1);
    for (int32_t c : touched) {
      auto& bucket = buckets[static_cast<std::size_t>(c)];
      std::sort(bucket.begin(), bucket.end());
      bucket.erase(std::unique(bucket.begin(), bucket.end()), bucket.end());
      int32_t d = targets.find(bucket.data(), bucket.data() + bucket.size(), slot, hash);
      if (d >= 0) {
        d = target_state[static_cast<std::size_t>(d)];
      } else {
        const std::size_t target_slot = slot;
        const uint64_t target_hash = hash;
        closures.of_set(bucket, key);
        d = keys.find(key.data(), key.data() + key.size(), slot, hash);
        if (d < 0 && key.size() > 1) {  // new (a key of size 1 has no kernel, no tags: dead)
          if (keys.size() >= max_states) {
            out.too_large = true;
            return out;
          }
          d = keys.add(key.data(), key.data() + key.size(), slot, hash);
        }
        targets.add(bucket.data(), bucket.data() + bucket.size(), target_slot, target_hash);
        target_state.push_back(d);
      }
      out.trans[row + static_cast<std::size_t>(c)] = d;
      bucket.clear();
    }
  }
  out.n_states = keys.size();
  out.tag_begin.push_back(0);
  for (std::size_t i = 0; i < static_cast<std::size_t>(keys.size()); ++i) {
    const int32_t* sep = std::find(keys.data(i), keys.end(i), -1);
    out.tags.insert(out.tags.end(), sep + 1, keys.end(i));
    out.tag_begin.push_back(static_cast<int32_t>(out.tags.size()));
  }
  return out;
}

std::vector<int32_t> hopcroft(const int32_t* trans, int32_t n, int32_t k, const int32_t* group) {
  // inverse[c]: predecessors of t on c are inv[c][inv_begin[c][t] .. inv_begin[c][t+1])
  std::vector<std::vector<int32_t>> inv(static_cast<std::size_t>(k)), inv_begin(static_cast<std::size_t>(k));
  for (int32_t c = 0; c < k; ++c) {
    auto& begin = inv_begin[c];
    begin.assign(static_cast<std::size_t>(n) + 1, 0);
    for (int32_t s = 0; s < n; ++s) ++begin[trans[static_cast<std::size_t>(s) * k + c] + 1];
    for (int32_t t = 0; t < n; ++t) begin[t + 1] += begin[t];
    auto& preds = inv[c];
    preds.resize(static_cast<std::size_t>(n));
    std::vector<int32_t> fill(begin.begin(), begin.end() - 1);
    for (int32_t s = 0; s < n; ++s) preds[fill[trans[static_cast<std::size_t>(s) * k + c]]++] = s;
  }
  // blocks: elems[first[b] .. end[b]); elems[first[b] .. mid[b]) are the marked members
  std::vector<int32_t> elems(static_cast<std::size_t>(n)), block(static_cast<std::size_t>(n)), loc(static_cast<std::size_t>(n));
  std::vector<int32_t> first, end, mid;
  {
    int32_t n_groups = 0;
    for (int32_t s = 0; s < n; ++s) n_groups = std::max(n_groups, group[s] + 1);
    std::vector<int32_t> count(static_cast<std::size_t>(n_groups) + 1, 0);
    for (int32_t s = 0; s < n; ++s) ++count[group[s] + 1];
    for (int32_t g = 0; g < n_groups; ++g) count[g + 1] += count[g];
    std::vector<int32_t> remap(static_cast<std::size_t>(n_groups), -1);
    for (int32_t g = 0; g < n_groups; ++g)
      if (count[g + 1] > count[g]) {
        remap[g] = static_cast<int32_t>(first.size());
        first.push_back(count[g]);
        end.push_back(count[g + 1]);
      }
    std::vector<int32_t> fill(count.begin(), count.end() - 1);
    for (int32_t s = 0; s < n; ++s) {
      const int32_t i = fill[group[s]]++;
      elems[i] = s;
      loc[s] = i;
      block[s] = remap[group[s]];
    }
    mid = first;
  }
  const int32_t n_blocks0 = static_cast<int32_t>(first.size());
  int32_t largest = 0;
  for (int32_t b = 1; b < n_blocks0; ++b)
    if (end[b] - first[b] > end[largest] - first[largest]) largest = b;
  // pending splitters (block, class) as a flag per pair plus a stack
  std::vector<uint8_t> pending;
  std::vector<std::pair<int32_t, int32_t>> stack;
  auto flag = [&](int32_t b, int32_t c) -> uint8_t& {
    const std::size_t i = static_cast<std::size_t>(b) * k + c;
    if (pending.size() <= i) pending.resize((static_cast<std::size_t>(b) + 1) * k * 2, 0);
    return pending[i];
  };
  for (int32_t b = 0; b < n_blocks0; ++b)
    if (b != largest)
      for (int32_t c = 0; c < k; ++c) {
        flag(b, c) = 1;
        stack.emplace_back(b, c);
      }
  std::vector<int32_t> touched, splitter;
  while (!stack.empty()) {
    const auto [b, c] = stack.back();
    stack.pop_back();
    flag(b, c) = 0;
    touched.clear();
    const auto& begin = inv_begin[c];
    const auto& preds = inv[c];
    // a snapshot: marking below reorders elems, the splitter block's members included
    splitter.assign(elems.begin() + first[b], elems.begin() + end[b]);
    for (const int32_t t : splitter) {
      for (int32_t p = begin[t]; p < begin[t + 1]; ++p) {
        const int32_t s = preds[p];
        const int32_t bs = block[s];
        const int32_t at = loc[s], j = mid[bs];
        if (at < j) continue;
        const int32_t other = elems[j];
        elems[at] = other;
        elems[j] = s;
        loc[other] = at;
        loc[s] = j;
        mid[bs] = j + 1;
        if (j == first[bs]) touched.push_back(bs);
      }
    }
    for (int32_t bs : touched) {
      if (mid[bs] == end[bs]) {  // every member marked: no split
        mid[bs] = first[bs];
        continue;
      }
      const int32_t nb = static_cast<int32_t>(first.size());
      first.push_back(first[bs]);
      end.push_back(mid[bs]);
      mid.push_back(first[bs]);
      first[bs] = mid[bs];
      for (int32_t i = first[nb]; i < end[nb]; ++i) block[elems[i]] = nb;
      const int32_t smaller = end[nb] - first[nb] <= end[bs] - first[bs] ? nb : bs;
      for (int32_t d = 0; d < k; ++d) {
        const int32_t add = flag(bs, d) ? nb : smaller;
        uint8_t& f = flag(add, d);
        if (!f) {
          f = 1;
          stack.emplace_back(add, d);
        }
      }
    }
  }
  return block;
}

std::vector<uint8_t> coreachable(const int32_t* trans, int32_t n, int32_t k, const uint8_t* accepting) {
  const size_t states = static_cast<size_t>(n), width = static_cast<size_t>(k);
  std::vector<uint32_t> begin(states + 1, 0);
  for (size_t i = 0; i < states * width; ++i)
    if (trans[i] >= 0) ++begin[static_cast<size_t>(trans[i]) + 1];
  for (size_t s = 0; s < states; ++s) begin[s + 1] += begin[s];
  std::vector<int32_t> from(begin[states]);
  std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
  for (size_t s = 0; s < states; ++s)
    for (size_t c = 0; c < width; ++c) {
      const int32_t t = trans[s * width + c];
      if (t >= 0) from[fill[static_cast<size_t>(t)]++] = static_cast<int32_t>(s);
    }
  std::vector<uint8_t> live(accepting, accepting + states);
  std::vector<int32_t> todo;
  for (size_t s = 0; s < states; ++s)
    if (live[s]) todo.push_back(static_cast<int32_t>(s));
  while (!todo.empty()) {
    const size_t t = static_cast<size_t>(todo.back());
    todo.pop_back();
    for (uint32_t j = begin[t]; j < begin[t + 1]; ++j)
      if (!live[static_cast<size_t>(from[j])]) {
        live[static_cast<size_t>(from[j])] = 1;
        todo.push_back(from[j]);
      }
  }
  return live;
}

}  // namespace constrain
