"""The tier rule language: tokenizer, recursive-descent parser and evaluator.

Rules are parsed here rather than handed to Python ``eval`` or ``pandas.eval``:
a schema file comes from users, so it must never execute code, and a
hand-written parser can say exactly where a rule goes wrong.

Grammar (lowest precedence first)::

    rule       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | atom
    atom       := "(" rule ")" | "true" | "false" | comparison
    comparison := operand ( OP operand | "in" list | "not" "in" list
                           | "is" "missing" | "is" "not" "missing" )
    operand    := column | number | string | "true" | "false"
    list       := "[" literal ("," literal)* "]"
    column     := identifier | `any text in backticks`
    OP         := "==" | "!=" | "<" | "<=" | ">" | ">="

Rules nest at most :data:`MAX_DEPTH` levels deep (parentheses and ``not`` each add one):
a deeper rule is rejected with a :class:`RuleError`, never a crash of the parser.

A comparison that involves a missing value is false (so are ``in`` and
``not in``); ``not`` then negates that false, and ``is missing`` is the way to
ask for missing answers explicitly.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from noncustomers.errors import RuleError, closest

__all__ = ["MAX_DEPTH", "Rule", "format_rule", "parse_rule", "rule_selecting"]

#: The deepest nesting of parentheses and ``not`` a rule may have.  Real tier rules nest
#: two or three levels; the limit keeps the recursive-descent parser (and every walk of
#: the tree) far from Python's recursion limit, whatever a schema file holds.
MAX_DEPTH = 50

KEYWORDS = {"and", "or", "not", "in", "is", "missing", "true", "false"}
COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt,
               "<=": operator.le, ">": operator.gt, ">=": operator.ge}

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<backtick>`[^`]+`)
      | (?P<op>==|!=|<=|>=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, column, op, punct, keyword, end
    value: Any
    pos: int  # 1-based character position in the rule text
    text: str


def _describe(tok: Token) -> str:
    return "the end of the rule" if tok.kind == "end" else f"'{tok.text}'"


def tokenize(text: str, name: str) -> list[Token]:
    """Split a rule into tokens; raise :class:`RuleError` at the first bad character."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise RuleError(
                f"rule '{name}': unexpected character {text[i]!r} at position {i + 1}; "
                "expected a column, a number, a quoted string, an operator or a parenthesis"
            )
        kind = m.lastgroup
        raw = m.group()
        if kind == "number":
            try:
                value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            except ValueError:  # Python refuses to convert integers of 4,300+ digits
                raise RuleError(f"rule '{name}': the number at position {i + 1} has "
                                f"{len(raw):,} digits; write a shorter number") from None
            tokens.append(Token("number", value, i + 1, raw))
        elif kind == "string":
            body = raw[1:-1]
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", body), i + 1, raw))
        elif kind == "backtick":
            tokens.append(Token("column", raw[1:-1], i + 1, raw))
        elif kind in ("op", "punct"):
            tokens.append(Token(kind, raw, i + 1, raw))
        elif kind == "word":
            if raw.lower() in KEYWORDS:
                tokens.append(Token("keyword", raw.lower(), i + 1, raw))
            else:
                tokens.append(Token("column", raw, i + 1, raw))
        i = m.end()
    tokens.append(Token("end", None, len(text) + 1, ""))
    return tokens


# ---- syntax tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Column:
    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: Any  # int, float, str or bool


@dataclass(frozen=True)
class Compare:
    op: str
    left: Column | Literal
    right: Column | Literal
    pos: int


@dataclass(frozen=True)
class InList:
    operand: Column | Literal
    values: tuple[Any, ...]
    negated: bool
    pos: int


@dataclass(frozen=True)
class IsMissing:
    operand: Column | Literal
    negated: bool


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Any, ...]


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.tokens = tokenize(text, name)
        self.i = 0
        self.depth = 0

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError(f"rule '{self.name}': at position {self.tok.pos} the rule nests "
                            f"more than {MAX_DEPTH} levels of parentheses or 'not'; "
                            "simplify it")

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _is(self, kind: str, value: Any = None) -> bool:
        return self.tok.kind == kind and (value is None or self.tok.value == value)

    def _fail(self, expected: str) -> RuleError:
        return RuleError(
            f"rule '{self.name}': at position {self.tok.pos} expected {expected}, "
            f"found {_describe(self.tok)}"
        )

    def parse(self) -> Any:
        if self._is("end"):
            raise self._fail("a condition")
        node = self.or_expr()
        if not self._is("end"):
            raise self._fail("'and', 'or' or the end of the rule")
        return node

    def or_expr(self) -> Any:
        parts = [self.and_expr()]
        while self._is("keyword", "or"):
            self._advance()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def and_expr(self) -> Any:
        parts = [self.not_expr()]
        while self._is("keyword", "and"):
            self._advance()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def not_expr(self) -> Any:
        if self._is("keyword", "not"):
            self._enter()
            self._advance()
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Any:
        if self._is("punct", "("):
            self._enter()
            self._advance()
            node = self.or_expr()
            if not self._is("punct", ")"):
                raise self._fail("')'")
            self._advance()
            self.depth -= 1
            return node
        if self._is("keyword", "true") or self._is("keyword", "false"):
            nxt = self.tokens[self.i + 1]
            if not (nxt.kind == "op" or (nxt.kind == "keyword" and nxt.value in ("in", "is", "not"))):
                return Const(self._advance().value == "true")
        return self.comparison()

    def operand(self) -> Column | Literal:
        tok = self.tok
        if tok.kind == "column":
            self._advance()
            return Column(tok.value, tok.pos)
        if tok.kind in ("number", "string"):
            self._advance()
            return Literal(tok.value)
        if tok.kind == "keyword" and tok.value in ("true", "false"):
            self._advance()
            return Literal(tok.value == "true")
        raise self._fail("a column, a number, a quoted string, 'not' or '('")

    def literal(self) -> Any:
        tok = self.tok
        if tok.kind in ("number", "string"):
            self._advance()
            return tok.value
        if tok.kind == "keyword" and tok.value in ("true", "false"):
            self._advance()
            return tok.value == "true"
        raise self._fail("a number, a quoted string, true or false in the list")

    def value_list(self) -> tuple[Any, ...]:
        if not self._is("punct", "["):
            raise self._fail("a list such as [1, 2] or ['a', 'b']")
        self._advance()
        values = [self.literal()]
        while self._is("punct", ","):
            self._advance()
            values.append(self.literal())
        if not self._is("punct", "]"):
            raise self._fail("',' or ']'")
        self._advance()
        return tuple(values)

    def comparison(self) -> Any:
        left = self.operand()
        tok = self.tok
        if tok.kind == "op":
            self._advance()
            return Compare(tok.value, left, self.operand(), tok.pos)
        if tok.kind == "keyword" and tok.value == "in":
            self._advance()
            return InList(left, self.value_list(), False, tok.pos)
        if tok.kind == "keyword" and tok.value == "not":
            self._advance()
            if not self._is("keyword", "in"):
                raise self._fail("'in' after 'not'")
            self._advance()
            return InList(left, self.value_list(), True, tok.pos)
        if tok.kind == "keyword" and tok.value == "is":
            self._advance()
            negated = False
            if self._is("keyword", "not"):
                self._advance()
                negated = True
            if not self._is("keyword", "missing"):
                raise self._fail("'missing' after 'is'" if not negated else "'missing' after 'is not'")
            self._advance()
            return IsMissing(left, negated)
        raise self._fail("a comparison (== != < <= > >=, in, not in, is missing) after "
                         + (f"column '{left.name}'" if isinstance(left, Column) else "the value"))


def _columns(node: Any) -> list[Column]:
    if isinstance(node, Column):
        return [node]
    if isinstance(node, Compare):
        return _columns(node.left) + _columns(node.right)
    if isinstance(node, (InList, IsMissing)):
        return _columns(node.operand)
    if isinstance(node, Not):
        return _columns(node.operand)
    if isinstance(node, BoolOp):
        return [c for part in node.operands for c in _columns(part)]
    return []


# ---- evaluation --------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    return "text"


def _series_kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if s.dtype == object:
        # True/False answers with a blank cell are read as objects: still a yes/no column.
        present = s.dropna()
        if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
            return "boolean"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    return "text"


@dataclass(frozen=True)
class Rule:
    """A parsed tier rule.

    Parameters
    ----------
    name : str
        The tier the rule belongs to (used in every message).
    text : str
        The rule as written in the schema.

    Examples
    --------
    >>> import pandas as pd
    >>> rule = parse_rule("visits >= 4 and aware == 'yes'", name="customers")
    >>> rule.evaluate(pd.DataFrame({"visits": [5, 1], "aware": ["yes", "yes"]})).tolist()
    [True, False]
    """

    name: str
    text: str
    tree: Any

    @property
    def columns(self) -> list[str]:
        """Column names the rule refers to, in order of appearance, without repeats."""
        return list(dict.fromkeys(c.name for c in _columns(self.tree)))

    def check_columns(self, available: Sequence[str]) -> None:
        """Raise :class:`RuleError` naming the first column the data does not have."""
        for col in _columns(self.tree):
            if col.name not in available:
                raise RuleError(
                    f"rule '{self.name}': column '{col.name}' at position {col.pos} is not in "
                    f"the panel{closest(col.name, available)}"
                )

    def evaluate(self, data: pd.DataFrame,
                 orders: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
        """Return a boolean Series, True where the row satisfies the rule.

        ``orders`` maps a text column to its levels, lowest first, so that
        ordered comparisons (``<``, ``>=``...) work on it.
        """
        self.check_columns(list(data.columns))
        result = _Evaluator(self, data, dict(orders or {})).eval(self.tree)
        return pd.Series(result, index=data.index, dtype=bool)


def parse_rule(text: str, name: str = "rule") -> Rule:
    """Parse a rule, raising :class:`RuleError` with the position of any syntax error."""
    if not isinstance(text, str):
        raise RuleError(f"rule '{name}': expected a quoted rule text, found {text!r}")
    return Rule(name, text, _Parser(text, name).parse())


class _Evaluator:
    def __init__(self, rule: Rule, data: pd.DataFrame, orders: dict[str, Sequence[str]]):
        self.rule = rule
        self.data = data
        self.orders = orders
        self.n = len(data)

    def fail(self, pos: int, message: str) -> RuleError:
        return RuleError(f"rule '{self.rule.name}': at position {pos} {message}")

    def eval(self, node: Any) -> np.ndarray:
        if isinstance(node, Const):
            return np.full(self.n, node.value)
        if isinstance(node, Not):
            return ~self.eval(node.operand)
        if isinstance(node, BoolOp):
            parts = [self.eval(p) for p in node.operands]
            combine = np.logical_and if node.op == "and" else np.logical_or
            out = parts[0]
            for p in parts[1:]:
                out = combine(out, p)
            return out
        if isinstance(node, IsMissing):
            values, _ = self.operand(node.operand)
            missing = pd.isna(values)
            return ~missing if node.negated else missing
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Compare):
            return self.compare(node)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def operand(self, node: Column | Literal) -> tuple[np.ndarray, str]:
        if isinstance(node, Column):
            s = self.data[node.name]
            return s.to_numpy(dtype=object), _series_kind(s)
        return np.full(self.n, node.value, dtype=object), _kind(node.value)

    def _order_codes(self, node: Column | Literal, values: np.ndarray, pos: int,
                     levels: Sequence[str]) -> np.ndarray:
        rank = {str(level): i for i, level in enumerate(levels)}
        out = np.full(self.n, np.nan)
        for i, v in enumerate(values):
            if pd.isna(v):
                continue
            if str(v) not in rank:
                where = f"column '{node.name}'" if isinstance(node, Column) else "the rule"
                raise self.fail(pos, f"{where} has the value '{v}', which is not one of the "
                                     f"ordered levels {list(levels)}")
            out[i] = rank[str(v)]
        return out

    def compare(self, node: Compare) -> np.ndarray:
        left, lkind = self.operand(node.left)
        right, rkind = self.operand(node.right)
        ordered = node.op not in ("==", "!=")
        if lkind == "boolean" and rkind == "number" or lkind == "number" and rkind == "boolean":
            lkind = rkind = "number"
        if lkind != rkind:
            col = node.left if isinstance(node.left, Column) else node.right
            name = col.name if isinstance(col, Column) else "?"
            raise self.fail(node.pos, f"column '{name}' holds {lkind if col is node.left else rkind} "
                                      f"but is compared with {rkind if col is node.left else lkind}; "
                                      "quote text values and leave numbers unquoted")
        if ordered and lkind == "text":
            col = next((c for c in (node.left, node.right) if isinstance(c, Column)), None)
            levels = self.orders.get(col.name) if col is not None else None
            if levels is None:
                name = col.name if col is not None else "?"
                raise self.fail(node.pos, f"'{node.op}' compares text in column '{name}', which "
                                          f"has no declared order; add [order] {name} = [...] to "
                                          "the schema or compare with == / in")
            left = self._order_codes(node.left, left, node.pos, levels)
            right = self._order_codes(node.right, right, node.pos, levels)
        missing = pd.isna(left) | pd.isna(right)
        out = np.zeros(self.n, dtype=bool)
        ok = ~missing
        if ok.any():
            func = COMPARISONS[node.op]
            out[ok] = np.asarray(func(left[ok], right[ok]), dtype=bool)
        return out

    def in_list(self, node: InList) -> np.ndarray:
        values, kind = self.operand(node.operand)
        kinds = {_kind(v) for v in node.values}
        if kind == "boolean":
            kind = "number" if kinds == {"number"} else kind
        if kinds - {kind}:
            name = node.operand.name if isinstance(node.operand, Column) else "?"
            raise self.fail(node.pos, f"column '{name}' holds {kind} but the list has "
                                      f"{' and '.join(sorted(kinds))} values")
        missing = pd.isna(values)
        allowed = set(node.values)
        if kind in ("text", "number"):  # hash lookups in pandas, not a Python loop per row
            member = np.asarray(pd.Series(values, dtype=object).isin(list(allowed)),
                                dtype=bool) & ~np.asarray(missing)
        else:
            member = np.array([(not m) and (v in allowed) for v, m in zip(values, missing)],
                              dtype=bool)
        return (~member & ~missing) if node.negated else member


# ---- printing ----------------------------------------------------------------------------

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")


def _format_column(name: str) -> str:
    if _PLAIN_NAME.match(name) and name.lower() not in KEYWORDS:
        return name
    if not name or "`" in name:
        raise ValueError(f"column name {name!r} cannot be written in a rule")
    return f"`{name}`"


def _format_literal(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if np.isnan(value):
            raise ValueError("NaN cannot be written in a rule")
        if np.isinf(value):  # what the parser makes of 1e999
            return "1e999" if value > 0 else "-1e999"
        return repr(value)  # always has '.' or 'e', so it reads back as a float
    if isinstance(value, str):
        # The tokenizer drops the backslash of every backslash pair: escape '\\' and the quote.
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    raise ValueError(f"{value!r} cannot be written in a rule")


def _format_operand(node: Column | Literal) -> str:
    if isinstance(node, Column):
        return _format_column(node.name)
    if isinstance(node, Literal):
        return _format_literal(node.value)
    raise ValueError(f"{node!r} is not a column or a value")


def _format(node: Any) -> str:
    if isinstance(node, Const):
        return "true" if node.value else "false"
    if isinstance(node, Compare):
        if node.op not in COMPARISONS:
            raise ValueError(f"unknown comparison {node.op!r}")
        return f"{_format_operand(node.left)} {node.op} {_format_operand(node.right)}"
    if isinstance(node, InList):
        if not node.values:
            raise ValueError("an 'in' list needs at least one value")
        values = ", ".join(_format_literal(v) for v in node.values)
        return f"{_format_operand(node.operand)} {'not in' if node.negated else 'in'} [{values}]"
    if isinstance(node, IsMissing):
        return f"{_format_operand(node.operand)} is {'not ' if node.negated else ''}missing"
    if isinstance(node, Not):
        inner = _format(node.operand)
        return f"not ({inner})" if isinstance(node.operand, BoolOp) else f"not {inner}"
    if isinstance(node, BoolOp):
        if node.op not in ("and", "or") or len(node.operands) < 2:
            raise ValueError(f"{node!r} is not a tree the parser makes")
        parts = []
        for part in node.operands:
            text = _format(part)
            # 'and' binds tighter than 'or', so only an 'and' inside an 'or' goes bare.
            bare = not isinstance(part, BoolOp) or (node.op == "or" and part.op == "and")
            parts.append(text if bare else f"({text})")
        return f" {node.op} ".join(parts)
    raise ValueError(f"unknown node {node!r}")


def format_rule(tree: Any) -> str:
    """Print a rule's syntax tree back as rule text.

    ``parse_rule(format_rule(t)).tree`` equals ``t`` up to the recorded positions for
    every tree :func:`parse_rule` makes.  Parentheses are written only where the tree
    needs them, so the text never nests deeper than the rule it was parsed from.

    Examples
    --------
    >>> format_rule(parse_rule("(`visits per month`>=4) AND NOT aware in ['yes', 'no']").tree)
    "`visits per month` >= 4 and not aware in ['yes', 'no']"
    """
    if isinstance(tree, Rule):
        tree = tree.tree
    return _format(tree)


def rule_selecting(choices: Mapping[str, Sequence[Any]],
                   ranges: Mapping[str, tuple[float, float]] | None = None) -> str | None:
    """The rule text that keeps respondents whose answer to each column of ``choices`` is
    one of the chosen values, and whose answer to each column of ``ranges`` lies in its
    ``(lowest, highest)`` (both kept); None when nothing is chosen.

    Examples
    --------
    >>> rule_selecting({"region": ["East", "West"], "age band": ["18-34"]})
    "region in ['East', 'West'] and `age band` in ['18-34']"
    >>> rule_selecting({}, {"age": (35, 54)})
    'age >= 35 and age <= 54'
    """
    parts: list[Any] = [InList(Column(column, 0), tuple(values), False, 0)
                        for column, values in choices.items() if len(values)]
    for column, (lowest, highest) in (ranges or {}).items():
        parts += [Compare(">=", Column(column, 0), Literal(lowest), 0),
                  Compare("<=", Column(column, 0), Literal(highest), 0)]
    if not parts:
        return None
    return format_rule(parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts)))
