"""The exception hierarchy: every error constrain raises derives from ConstrainError.

Each error says *what* went wrong and *where* (a regex position, a grammar line and
column, a JSON pointer), so a user can fix the input without reading our code.
"""
from __future__ import annotations


class ConstrainError(Exception):
    """Base class of every error raised by constrain."""


class VocabularyError(ConstrainError):
    """A tokenizer or token list that cannot be turned into a Vocabulary."""


class RegexError(ConstrainError):
    """A malformed or unsupported regular expression.

    `pattern` is the regex, `position` the 0-based character offset of the problem
    (None when the problem is not tied to one place).
    """

    def __init__(self, message: str, pattern: str | None = None, position: int | None = None):
        self.pattern = pattern
        self.position = position
        where = f" at position {position}" if position is not None else ""
        shown = f" in {pattern!r}" if pattern is not None else ""
        super().__init__(f"{message}{where}{shown}")


class UnsupportedRegexError(RegexError):
    """A regex construct we cannot enforce exactly (backreference, lookaround, ...)."""


class AutomatonTooLargeError(ConstrainError):
    """An automaton grew past its state limit; raised instead of running away."""


class CompileTimeLimitError(ConstrainError):
    """A compile that ran past its time limit (`seconds`); `pointer` is the JSON pointer of the
    subschema being compiled then, when the compile was a JSON Schema's (else "")."""

    def __init__(self, seconds: float, pointer: str = ""):
        self.seconds = seconds
        self.pointer = pointer
        where = f" (while compiling the subschema at {pointer})" if pointer else ""
        super().__init__(f"compiling took longer than the time limit of {seconds:g} s{where}")


class GrammarError(ConstrainError):
    """A malformed or unsupported grammar; `line` and `column` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")


class SchemaError(ConstrainError):
    """An invalid JSON Schema; `pointer` is the JSON pointer of the offending keyword."""

    def __init__(self, message: str, pointer: str = ""):
        self.pointer = pointer
        super().__init__(f"{message} (at {pointer or '#'})")


class UnsupportedSchemaError(SchemaError):
    """A valid JSON Schema keyword that constrain cannot enforce exactly."""

    def __init__(self, keyword: str, pointer: str = "", detail: str = ""):
        self.keyword = keyword
        message = f"unsupported JSON Schema keyword {keyword!r}" + (f": {detail}" if detail else "")
        super().__init__(message, pointer)


class TokenError(ConstrainError):
    """A token id outside the vocabulary was given to a matcher."""


class KnowledgeGraphError(ConstrainError):
    """Bad knowledge-graph input: an unknown entity, a malformed triple or TSV line, an empty
    path set, or a fan-out / path-count limit that was exceeded."""
