"""The member rules of one object schema, in the schema's `properties` order or in any
order (small objects), with the member count between minProperties and maxProperties.

Invariant: every member sequence the rules derive names each declared slot at most once,
includes every required slot, puts additional members (`extra_rule`) after the slots (each
witness met by one of them when there are witnesses), and has between `mn` and `mx` members;
`schema_order` keeps the slots in order, `any_order` accepts them in every order.
"""
from __future__ import annotations


class ObjectMembers:
    """The member rules of one object: named slots (key, value rule, required) in order,
    then additional members (`extra_rule`), with between mn and mx members in all; with
    `witness_rules` (per non-empty set of witnesses, the rule of the additional members that
    meet them all, or None), every witness is met by some additional member. Rules are added
    to `emitter` (its `rules`, `term`, `rule` and punctuation)."""

    def __init__(self, emitter, slots: list, extra_rule: str | None, mn: int, mx: int | None,
                 witness_rules: dict | None = None):
        self.e = emitter
        self.slots = slots
        self.extra_rule = extra_rule
        self.witness_rules = witness_rules or {}
        self.mn, self.mx = mn, mx
        self.base = emitter.fresh_name("o")
        self.comma, self.colon = emitter.punct[","], emitter.punct[":"]
        self._heads: dict[int, str] = {}

    def member(self, k: int, c: int, rest: str) -> str:
        head = self._heads.get(k)
        if head is None:        # the slot's key terminal, colon and value rule
            key, value, _ = self.slots[k]
            head = self._heads[k] = f"{self.e.key_term(key)} {self.colon} {value}"
        return f"{self.comma} {head} {rest}" if c else f"{head} {rest}"

    def tail(self, c: int) -> list[str]:
        """Alternatives once the named slots are done, c members emitted."""
        if self.witness_rules:
            every = frozenset().union(*self.witness_rules)
            rule = self.witnessed(every, None if self.mx is None else self.mx - c)
            return [] if rule is None else [f"{self.comma} {rule}" if c else rule]
        alts = [""] if c >= self.mn else []
        if self.extra_rule is not None and (self.mx is None or c < self.mx):
            x = self.extra_rule
            more = f" ({self.comma} {x})*" if self.mx is None else self.bounded_repeat(x, self.mx - c - 1)
            alts.append(f"{self.comma + ' ' if c else ''}{x}{more}")
        return alts

    def schema_order(self) -> str | None:
        """after[c]: the rule of the members from slot k on, c emitted (saturating at cap
        without mx), for k from the end down to 0, made only for the counts c > 0 that some
        sequence of the earlier slots reaches (`_reached`). The members as a whole are one
        rule: the first member (a slot k after optional ones only) then after[1] from k + 1,
        or no slot at all; so no chain of rules for "nothing emitted yet" (n fewer rules, and
        no unit reductions down such a chain when an object's first member comes late)."""
        n, mx = len(self.slots), self.mx
        cap = mx if mx is not None else max(self.mn, 1)
        rule = self.e.rule
        reached = self._reached(cap)
        after = [None] * (cap + 1)
        for c in reached[n]:
            if c:
                after[c] = rule(self.tail(c), kind="o")
        firsts = []            # (slot, rule of the members after it), slots after optional ones only
        for k in range(n - 1, -1, -1):
            _, value, required = self.slots[k]
            if required:            # no slot after a required one comes first
                firsts = []
            if cap and value is not None and after[1] is not None:
                firsts.append((k, after[1]))
            here = [None] * (cap + 1)
            for c in reached[k]:
                if not c:
                    continue
                alts = []
                nxt = after[min(c + 1, cap)]
                if value is not None and (mx is None or c < mx) and nxt is not None:
                    alts.append(self.member(k, c, nxt))
                if not required and after[c] is not None:
                    alts.append(after[c])
                here[c] = rule(alts, kind="o")
            after = here
        alts = [self.member(k, 0, nxt) for k, nxt in reversed(firsts)]
        if not any(required for _, _, required in self.slots):
            alts += self.tail(0)
        return rule(alts, kind="o")

    def _reached(self, cap: int) -> list[tuple[int, ...]]:
        """Per slot k (and n: past the last), the member counts (saturating at cap) some
        sequence of the slots before it has emitted, descending. The counts after a slot
        depend only on the counts before it and whether it has a value and is required, so
        each such step is computed once (objects have many slots and few distinct steps)."""
        mx = self.mx
        counts, out, steps = (0,), [], {}
        for _, value, required in self.slots:
            out.append(counts)
            step = (counts, value is not None, required)
            after = steps.get(step)
            if after is None:
                more = {min(c + 1, cap) for c in counts if value is not None and (mx is None or c < mx)}
                after = steps[step] = tuple(sorted(more if required else more.union(counts), reverse=True))
            counts = after
        out.append(counts)
        return out

    def any_order(self) -> str | None:
        """states[S]: the named slots in set S (a bit mask) were emitted, in any order."""
        n, mx = len(self.slots), self.mx
        required = sum(1 << k for k, (_, _, req) in enumerate(self.slots) if req)
        states: dict[int, str | None] = {}
        for mask in range((1 << n) - 1, -1, -1):
            c = bin(mask).count("1")
            alts = []
            for k in range(n):
                nxt = states.get(mask | 1 << k)
                if not mask >> k & 1 and self.slots[k][1] is not None and (mx is None or c < mx) and nxt is not None:
                    alts.append(self.member(k, c, nxt))
            if mask & required == required:
                alts += self.tail(c)
            states[mask] = self.e.rule(alts, kind="o")
        return states[0]

    def witnessed(self, pending: frozenset, room: int | None) -> str | None:
        """Rule of 1..room additional members (any number when room is None) among which each
        witness in `pending` is met; None when no such sequence fits."""
        if not self._coverable(pending, room):
            return None
        name = f"{self.base}_w{''.join(map(str, sorted(pending)))}_{'n' if room is None else room}"
        if name in self.e.rules:
            return name
        x, comma = self.extra_rule, self.comma
        later = None if room is None else room - 1
        alts = []
        if self._coverable(pending, later):
            alts.append(f"{x} {comma} {name if room is None else self.witnessed(pending, later)}")
        for met, w in self.witness_rules.items():
            if w is None or not met & pending:
                continue
            left = pending - met
            if not left:
                alts.append(f"{w} ({comma} {x})*" if room is None else f"{w}{self.bounded_repeat(x, room - 1)}")
            elif self._coverable(left, later):
                alts.append(f"{w} {comma} {self.witnessed(left, later)}")
        self.e.rules[name] = " | ".join(alts)
        return name

    def _coverable(self, pending: frozenset, room: int | None) -> bool:
        """Whether `pending` is covered by at most `room` members of the witness rules."""
        if not pending:
            return True
        if room is not None and room <= 0:
            return False
        return any(w is not None and met & pending and self._coverable(pending - met, None if room is None else room - 1)
                   for met, w in self.witness_rules.items())

    def bounded_repeat(self, item: str, count: int) -> str:
        """Up to `count` more `, item` (a chain of optional rules)."""
        previous = ""
        for n in range(1, count + 1):
            name = f"{item}_upto{n}"
            if name not in self.e.rules:
                self.e.rules[name] = f"{self.comma} {item}{previous} |"
            previous = f" {name}"
        return previous
