"""Parse the input language into a typed ``Node`` with unified symbolic shapes.

The grammar (``grammar.lark``) is declarative and parsed by lark's LALR parser;
nothing the user types is ever executed. The parse tree is turned into nodes
bottom-up without recursion; every operator's shape rule unifies dimensions in
one ``Unifier`` (so ``A*x`` forces ``cols(A) = len(x)``), and a final pass
writes the resolved dimensions into the tree.
"""
from __future__ import annotations

import difflib
import math
import unicodedata
from pathlib import Path
from typing import Mapping, Sequence, cast

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from ..dims import Dim, Shape, Structure, Unifier
from ..errors import ArityError, LimitError, MatdiffError, ParseError, ShapeError, UnknownNameError
from ..expr import OPS, VAR, Call, Node, Op, Surface, apply, const, const_value, square, surfaces, var
from ..ops import abstract as ab
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import matfun as mf
from ..ops import series as se
from ..intexpr import IntExpr
from .declarations import ShapeSpec, declared_shapes, declared_structures, shape_by_letter, shape_kind

MAX_LENGTH = 10_000
MAX_DEPTH = 200
MAX_NODES = 5_000

_PARSER = Lark((Path(__file__).parent / "grammar.lark").read_text(), parser="lalr",
               propagate_positions=True, maybe_placeholders=True)

_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "had": ".*", "ediv": "./",
            "pow": "^", "epow": ".^", "neg": "-", "transpose": "'"}

def _calls() -> dict[str, dict[int, tuple[Op, Surface]]]:
    calls: dict[str, dict[int, tuple[Op, Surface]]] = {}
    for op in OPS:
        for surface in surfaces(op):
            for form in surface.forms:
                if len(form) in calls.setdefault(surface.name, {}):
                    raise AssertionError(f"{surface.name} with {len(form)} arguments is declared twice")
                calls[surface.name][len(form)] = (op, surface)
    return calls


#: The calls of the language, read from the op declarations (``Op.surface``): name ->
#: number of arguments -> the op and the surface that spell it.
CALLS = _calls()
#: Functions of the language: name -> the numbers of arguments it takes.
ARITY: dict[str, tuple[int, ...]] = {name: tuple(sorted(by)) for name, by in CALLS.items()}
#: Calls that take no argument are also written as a bare name (``eye``).
CONSTANTS = tuple(name for name, by in CALLS.items() if 0 in by)


def parse(text: str, shapes: ShapeSpec | None = None,
          assume: Mapping[str, str] | None = None,
          functions: Mapping[str, str] | None = None) -> Node:
    """Parse ``text`` into a typed expression; ``shapes`` fixes variables' shapes and
    ``assume`` declares square matrices symmetric, spd or diagonal (as ``where X spd``)."""
    return parse_named(text, shapes, assume, functions)[0]


def parse_named(text: str, shapes: ShapeSpec | None = None,
                assume: Mapping[str, str] | None = None,
                functions: Mapping[str, str] | None = None) -> tuple[Node, dict[str, Node]]:
    """``parse``, and the values of the names bound by ``where Y = …`` (for results
    that use them)."""
    if not isinstance(text, str):
        raise MatdiffError(f"an expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise LimitError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise ParseError("the expression is empty", text, 0)
    tree = _parse_tree(text)
    _check_size(tree)
    structures = declared_structures(assume)
    clauses = tree.children[1:] if tree.data == "where" else []
    for clause in clauses:
        if clause.data == "declare":
            structures[str(clause.children[0])] = Structure(str(clause.children[1]))
    builder = _Builder(text, declared_shapes(shapes), structures, declared_functions(functions))
    main = tree.children[0] if tree.data == "where" else tree
    bound: dict[str, Node] = {}
    for clause in clauses:
        if clause.data == "binding":
            value = builder.build(clause.children[1])
            builder.define(cast(Token, clause.children[0]), value)
            bound[str(clause.children[0])] = value
    root = builder.build(main)
    return _resolve(root, builder.unifier), {k: _resolve(v, builder.unifier) for k, v in bound.items()}


def declared_functions(functions: Mapping[str, str] | None) -> dict[str, str]:
    """Validate a ``functions`` mapping: unknown scalar function name -> gradient name."""
    if functions is None:
        return {}
    if not isinstance(functions, Mapping):
        raise MatdiffError("functions must be a mapping such as {'g': 'G'}")
    for name, grad in functions.items():
        if not (isinstance(name, str) and name.isidentifier() and isinstance(grad, str)
                and grad.isidentifier()) or name in ARITY:
            raise MatdiffError(f"invalid function declaration {name!r}: {grad!r}")
    return dict(functions)


#: Functions of other notations read as the language's own (one meaning each).
ALIASES = {"trace": "tr"}

#: How to write, in the language, what other notations spell another way.
HOW_TO = {
    "dot": "dot(x, y) is written x'*y (for matrices, sum(A.*B))",
    "inner": "the inner product is written x'*y (for matrices, sum(A.*B))",
    "outer": "the outer product is written x*y'",
    "transpose": "the transpose is written X' (or X^T)",
    "inverse": "the inverse is written inv(X)",
    "ln": "the natural logarithm is written log(x)",
    "norm": "norms are written norm2(x) (Euclidean; Frobenius for a matrix) and norm1(x)",
    "frobenius": "the Frobenius norm is written norm2(X)",
    "logistic": "the logistic function is written sigmoid(x)",
    "determinant": "the determinant is written det(X)",
    "adjugate": "the adjugate is written adj(X)",
    "asin": "the inverse sine is written arcsin(x)",
    "acos": "the inverse cosine is written arccos(x)",
    "atan": "the inverse tangent is written arctan(x)",
}


def _character_hint(text: str, pos: int) -> str:
    """What an unreadable character probably meant, in the language's terms."""
    ch = text[pos]
    if ch == "|":
        return ("norms are written norm2(x) for ||x|| (the Frobenius norm for a matrix) and "
                "norm1(x); |x| elementwise is abs(x)")
    if ch in "²³":
        return f"powers are written with ^: X^{'2' if ch == '²' else '3'} (x.^2 elementwise)"
    if ch == "." and text[pos + 1:pos + 2].isalpha():
        return "a method call is not read: the transpose is X' (or X.T, X^T)"
    if ch.isalpha():
        name = unicodedata.name(ch, "").lower()
        if name.startswith("greek"):
            word = name.split()[-1]
            word = word if name.split()[1] == "small" else word.capitalize()
            kind = shape_kind(word)
            return (f"names are Latin letters, digits and _: write {word} for {ch} (a {kind} by its "
                    f"first letter; declare another shape with shapes=, e.g. {{'{word}': ()}})")
        return "names are Latin letters, digits and _"
    return ""


def _token_hint(text: str, token: Token) -> str:
    """What an unexpected token probably meant: a missing '*' or a Python power."""
    before = text[:token.start_pos].rstrip()
    if token.type in ("NAME", "NUMBER", "LPAR") and before and (before[-1].isalnum() or
                                                               before[-1] in ")'"):
        left = before.split()[-1] if before[-1].isalnum() else "…"
        right = "(…)" if token.type == "LPAR" else str(token)
        return f"a product is written with '*': {left}*{right}"
    if token.type == "STAR" and before.endswith("*"):
        return "powers are written x^2 (x.^2 elementwise), not x**2"
    return ""


def _hinted(message: str, hint: str) -> str:
    return f"{message}; {hint}" if hint else message


def _parse_tree(text: str) -> Tree:
    try:
        return _PARSER.parse(text)
    except UnexpectedCharacters as e:
        pos = e.pos_in_stream or 0
        raise ParseError(_hinted(f"unexpected character {text[pos]!r}", _character_hint(text, pos)),
                         text, pos) from None
    except UnexpectedEOF:
        raise ParseError("the expression ends too early", text, len(text)) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise ParseError("the expression ends too early (an operand or ')' is missing)",
                             text, len(text)) from None
        raise ParseError(_hinted(f"unexpected {str(e.token)!r}", _token_hint(text, e.token)),
                         text, e.token.start_pos) from None
    except LarkError as e:
        raise ParseError(f"cannot parse the expression: {e}") from None


def _check_size(tree: Tree) -> None:
    stack = [(tree, 1)]
    count = 0
    while stack:
        t, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise LimitError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        if count > MAX_NODES:
            raise LimitError(f"the expression has more than {MAX_NODES} parts")
        stack.extend((c, depth + 1) for c in t.children if isinstance(c, Tree))


def _start(item: Tree | Token | None) -> int:
    if isinstance(item, Token):
        return item.start_pos or 0
    if isinstance(item, Tree) and not item.meta.empty:
        return item.meta.start_pos
    return 0


def _end(item: Tree | Token) -> int:
    if isinstance(item, Token):
        return item.end_pos or 0
    return item.meta.end_pos if not item.meta.empty else 0


class _Builder:
    """Turns a lark tree into typed nodes, unifying dimensions as it goes."""

    def __init__(self, text: str, shapes: dict[str, Shape],
                 structures: dict[str, Structure] | None = None,
                 functions: dict[str, str] | None = None) -> None:
        self.text = text
        self.shapes = shapes
        self.structures = structures or {}
        self.functions = functions or {}
        #: Names used as integer symbols (exponents, indices, summation bounds).
        self.integers: set[str] = set()
        self.unifier = Unifier()
        self.vars: dict[str, Node] = {}

    def define(self, name: Token, value: Node) -> None:
        """A ``where`` binding: later uses of ``name`` stand for ``value``."""
        if str(name) in ARITY or str(name) in CONSTANTS or str(name) in self.vars:
            raise ParseError(f"'{name}' cannot be bound here: it is a function or already used",
                             self.text, name.start_pos)
        self.vars[str(name)] = value

    def build(self, tree: Tree) -> Node:
        done: dict[int, Node] = {}
        stack: list[tuple[Tree, bool]] = [(tree, False)]
        while stack:
            t, ready = stack.pop()
            if not ready:
                stack.append((t, True))
                if not self._lazy(t):
                    stack.extend((c, False) for c in _value_children(t))
                continue
            args = [] if self._lazy(t) else [done[id(c)] for c in _value_children(t)]
            try:
                done[id(t)] = self.node(t, args)
            except ShapeError as e:
                raise self._letter_hint(e, args).at(self.text, self._where(t)) from None
            except MatdiffError as e:
                raise e.at(self.text, self._where(t)) from None
        return done[id(tree)]

    def _letter_hint(self, e: ShapeError, args: Sequence[Node]) -> ShapeError:
        """A shape error involving a variable typed by its first letter says so, and how
        to declare another shape."""
        def by_letter(n: Node) -> bool:
            return n.op is VAR and n.attr not in self.shapes and n.attr not in self.structures
        direct = [a for a in args if by_letter(a)]
        small = [a for a in direct if a.shape.rank < 2]
        inner = [n for a in args for n in a.walk() if by_letter(n) and n.shape.rank < 2]
        names = list(dict.fromkeys(str(n.attr) for n in (small or direct or inner)))[:2]
        if not names or e.pos is not None or isinstance(e, ArityError):
            return e
        hints = []
        for name in names:
            kind = shape_kind(name)
            other, spec = ("a scalar", "()") if kind != "scalar" else ("a vector", "('n',)")
            cli = f"{name}=scalar" if kind != "scalar" else f"{name}=n"
            hints.append(f"{name} is a {kind} because of its first letter; to make it {other}, "
                         f"declare shapes={{'{name}': {spec}}} or --shape {cli}")
        return ShapeError(f"{e.reason}; " + "; ".join(hints) +
                          " (names a–g are scalars, h–z vectors, A–Z matrices unless declared)")

    def _lazy(self, t: Tree) -> bool:
        """Nodes that build their own children: powers (an exponent may be an integer
        expression), entries p[k] and calls with integer or index arguments (sigma)."""
        form = _form(t) if t.data == "call" else None
        return t.data in ("pow", "elem") or (form is not None and bool(set(form) & set("ij")))

    def integer(self, t: Tree | Token | None) -> IntExpr:
        """An integer expression: integers, integer symbols, + - and integer multiples."""
        if isinstance(t, Tree):
            kids = [c for c in t.children if isinstance(c, Tree)]
            if t.data == "number":
                value = float(str(t.children[0]))
                if value.is_integer() and abs(value) < 2**31:
                    return IntExpr(int(value))
            elif t.data == "name":
                name = str(t.children[0])
                if name in self.vars:
                    raise ShapeError(f"'{name}' is a variable; an integer expression needs its own name")
                self.integers.add(name)
                return IntExpr.of(name)
            elif t.data in ("add", "sub"):
                a, b = (self.integer(c) for c in kids)
                return a + b if t.data == "add" else a - b
            elif t.data == "neg":
                return -self.integer(kids[0])
            elif t.data == "mul":
                a, b = (self.integer(c) for c in kids)
                for x, y in ((a, b), (b, a)):
                    if x.is_const:
                        return IntExpr(x.const * y.const, tuple((s, c * x.const) for s, c in y.terms))
        raise ParseError("expected an integer expression (integers, names, + - and integer "
                         "multiples)", self.text, _start(t))

    def _where(self, t: Tree) -> int:
        symbol = _SYMBOLS.get(t.data)
        if symbol and t.data not in ("neg",) and len(t.children) == 2:
            found = self.text.find(symbol, _end(t.children[0]))
            return found if found >= 0 else _start(t)
        if t.data == "transpose":
            return max(_end(t.children[0]), 0)
        return _start(t)

    def apply(self, op: Op, args: Sequence[Node], attr: object = None) -> Node:
        return apply(op, args, attr, self.unifier)

    def node(self, t: Tree, args: list[Node]) -> Node:
        kind = t.data
        if kind == "number":
            value = float(str(t.children[0]))
            if not math.isfinite(value):
                raise ParseError(f"the number {t.children[0]} is too large")
            return const(value)
        if kind == "name":
            return self.variable(str(t.children[0]))
        if kind == "call":
            return self.call(t, args)
        if kind == "neg":
            c = const_value(args[0])
            return const(-c) if c is not None else self.apply(ar.NEG, args)
        if kind == "transpose":
            return args[0] if args[0].shape.is_scalar else self.apply(ar.TRANSPOSE, args)
        if kind == "pow":
            return self.power(t)
        if kind == "elem":
            p = self.build(t.children[0])
            return self.apply(se.ELEM, [p], self.integer(t.children[1]))

        return getattr(self, "op_" + kind)(*args)

    def _op_error(self, kind: str, a: Node, b: Node, err: ShapeError) -> ShapeError:
        return ShapeError(f"'{_SYMBOLS[kind]}' cannot combine a {a.shape} and a {b.shape}: {err.reason}")

    def op_add(self, a: Node, b: Node) -> Node:
        return self._sum("add", a, b, a, b)

    def op_sub(self, a: Node, b: Node) -> Node:
        c = const_value(b)
        return self._sum("sub", a, b, a, const(-c) if c is not None else self.apply(ar.NEG, [b]))

    def _sum(self, kind: str, a: Node, b: Node, x: Node, y: Node) -> Node:
        return self._elementwise(kind, ar.ADD, x, y, (a, b))

    def op_mul(self, a: Node, b: Node) -> Node:
        if a.shape.is_scalar or b.shape.is_scalar:
            return self.apply(ar.SCALE, [a, b] if a.shape.is_scalar else [b, a])
        try:
            return self.apply(ar.MATMUL, [a, b])
        except ShapeError as e:
            hint = " (for an elementwise product use '.*')" if a.shape.rank == b.shape.rank else ""
            what = e.reason if e.reason.startswith("cannot") else \
                f"cannot multiply a {a.shape} by a {b.shape}: {e.reason}"
            raise ShapeError(f"'*' {what}{hint}") from None

    def op_div(self, a: Node, b: Node) -> Node:
        return self.apply(ar.DIV, [a, b])

    def op_had(self, a: Node, b: Node) -> Node:
        if a.shape.is_scalar or b.shape.is_scalar:
            return self.op_mul(a, b)
        return self._elementwise("had", ar.HAD, a, b)

    def op_ediv(self, a: Node, b: Node) -> Node:
        if b.shape.is_scalar:
            return self.apply(ar.DIV, [a, b])
        return self._elementwise("ediv", ar.EDIV, a, b)

    def _elementwise(self, kind: str, op: Op, a: Node, b: Node,
                     shown: tuple[Node, Node] | None = None) -> Node:
        """``a op b`` with MATLAB's implicit expansion: a scalar with anything, a matrix
        with a column vector of its rows' length or a row vector of its columns' length."""
        try:
            a, b = self._expanded(a, b)
            return self.apply(op, [a, b])
        except ShapeError as e:
            raise self._op_error(kind, *(shown or (a, b)), e) from None

    def _expanded(self, a: Node, b: Node) -> tuple[Node, Node]:
        if a.shape.rank == b.shape.rank:
            return a, b
        small, big = (a, b) if a.shape.rank < b.shape.rank else (b, a)
        if small.shape.is_scalar:
            grown = self.apply(ar.FILL, [small], big.shape)
        elif big.shape.is_matrix:
            try:
                grown = self.apply(bt.EXPAND, [small], big.shape)
            except ShapeError as e:
                raise ShapeError(f"{e.reason}; a column vector expands along a matrix with as many "
                                 "rows, a row vector v' along one with as many columns") from None
        else:
            raise ShapeError("only a scalar, or a vector beside a matrix, expands implicitly")
        return (grown, b) if small is a else (a, grown)

    def power(self, t: Tree) -> Node:
        """a^b: a matrix raised to a non-constant exponent takes it as an integer expression."""
        base = self.build(t.children[0])
        exponent = t.children[1]
        if isinstance(exponent, Tree) and exponent.data == "name" and str(exponent.children[0]) == "T":
            return self.node(Tree("transpose", [t.children[0]]), [base])  # X^T, as textbooks write X'
        if base.shape.is_matrix and not (isinstance(exponent, Tree) and exponent.data in
                                         ("number", "neg") and _constant_tree(exponent)):
            square(base.shape, "the matrix power '^'", self.unifier)
            return se.powsym(base, self.integer(exponent))
        return self.op_pow(base, self.build(exponent))

    def op_pow(self, a: Node, b: Node) -> Node:
        if not b.shape.is_scalar:
            raise ShapeError(f"'^' needs a scalar exponent, got a {b.shape}; use '.^' elementwise")
        if a.shape.is_scalar:
            return self.op_epow(a, b)
        if a.shape.is_vector:
            raise ShapeError(f"'^' is the matrix power and {'a row' if a.shape.row else 'a'} vector "
                             "is not square; for elementwise powers use '.^'")
        k = const_value(b)
        if k is None or not float(k).is_integer():
            raise ShapeError("a matrix power X^k needs a constant integer k; "
                             "for elementwise powers use '.^'")
        square(a.shape, "the matrix power '^'", self.unifier)
        return mf.matpow(a, int(k))

    def op_epow(self, a: Node, b: Node) -> Node:
        p = const_value(b)
        if p is not None:
            return self.apply(ew.POWC, [a], float(p))
        if b.shape.is_scalar and not a.shape.is_scalar:
            b = self.apply(ar.FILL, [b], a.shape)
        elif a.shape.is_scalar and not b.shape.is_scalar:
            a = self.apply(ar.FILL, [a], b.shape)
        return self._elementwise("epow", ew.EPOW, a, b)

    def variable(self, name: str) -> Node:
        if name in CONSTANTS:
            op, surface = CALLS[name][0]
            return self.made(op, surface, Call(unifier=self.unifier))
        if name in ARITY:
            raise UnknownNameError(f"'{name}' is a function; call it as {name}(...)")
        if name in self.integers:
            raise ShapeError(f"'{name}' is an integer symbol here and cannot also be a variable")
        if name not in self.vars:
            shape = self.shapes.get(name) or shape_by_letter(name)
            structure = self.structures.get(name)
            if structure is not None:
                n = square(shape, f"a {structure.value} variable {name}", self.unifier)
                shape = Shape((n, n), structure=structure)
            self.vars[name] = var(name, shape)
        return self.vars[name]

    def size(self, t: Tree) -> Dim:
        """A size argument: a number, a name such as n, rows(A)/cols(A)/len(x), or a product."""
        number = float(str(t.children[0])) if t.data == "number" else 0.0
        if number.is_integer() and 1 <= number < 1e9:
            return Dim.of(int(number))
        if t.data == "name":
            return Dim.of(str(t.children[0]))
        if t.data == "mul":
            return self.size(t.children[0]) * self.size(t.children[1])
        if t.data == "call" and str(t.children[0]) in bt.SIZE_OF and len(t.children) == 2 \
                and isinstance(t.children[1], Tree) and t.children[1].data == "name":
            v = self.variable(str(t.children[1].children[0]))
            return v.shape.dims[bt.size_axis(str(t.children[0]), v)]
        raise ParseError("a size must be a positive integer, a name, rows(A), cols(A) or len(x)",
                         self.text, _start(t))

    def call(self, t: Tree, args: list[Node]) -> Node:
        """A call: a declared function ``g(X)``, or one of the language's (``CALLS``), its
        arguments read as its surface's form says."""
        name = str(t.children[0])
        kids = [c for c in t.children[1:] if c is not None]
        if name in self.functions:
            if len(kids) != 1:
                raise ArityError(f"{name} takes 1 argument, got {len(kids)}")
            grad = self.functions[name]
            if grad in self.vars:
                raise ShapeError(f"the gradient name {grad} of {name} is already a variable")
            return ab.abstract(name, grad, args[0], self.unifier)
        name = ALIASES.get(name, name)
        if name not in CALLS:
            if name in HOW_TO:
                raise UnknownNameError(f"unknown function '{name}': {HOW_TO[name]}")
            close = difflib.get_close_matches(name, list(ARITY), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownNameError(f"unknown function '{name}'{hint}")
        if len(kids) not in CALLS[name]:
            counts = ARITY[name]
            raise ArityError(f"{name} takes {' or '.join(map(str, counts))} argument"
                             f"{'s' * (counts != (1,))}, got {len(kids)}")
        op, surface = CALLS[name][len(kids)]
        form = cast(str, surface.form(len(kids)))
        built = iter(args)
        values: list[Node] = []
        sizes: list[Dim] = []
        dims: list[int] = []
        integers: list[IntExpr] = []
        index: str | None = None
        for kind, kid in zip(form, kids):
            if kind == "v":
                values.append(next(built) if args else self.build(kid))
            elif kind == "s":
                sizes.append(self.size(kid))
            elif kind == "d":
                dims.append(self.dimension(name, kid))
            elif kind == "j":
                if not (isinstance(kid, Tree) and kid.data == "name"):
                    raise ArityError(f"{surface.shown or name} takes an index name where it has "
                                     f"{self.text[_start(kid):_end(kid)]!r}")
                self.integer(kid)
                index = str(kid.children[0])
            else:
                integers.append(self.integer(kid))
        call = Call(tuple(values), tuple(sizes), tuple(dims), tuple(integers), index, self.unifier)
        return self.made(op, surface, call)

    def made(self, op: Op, surface: Surface, call: Call) -> Node:
        """The node a call makes: its surface's own build, else the op applied."""
        if surface.build is not None:
            return surface.build(call)
        return self.apply(op, call.values, surface.attr(call) if surface.attr else None)

    def dimension(self, name: str, t: Tree) -> int:
        """MATLAB's dimension d of ``name(X, d)``: 1 (one value per column) or 2 (per row)."""
        value = float(str(t.children[0])) if t.data == "number" else None
        if value not in (1.0, 2.0):
            raise ShapeError(f"{name}(X, d) takes d = 1 (one value per column) or d = 2 "
                             f"(one value per row), got {self.text[_start(t):_end(t)]}")
        return int(cast(float, value))


def _constant_tree(t: Tree) -> bool:
    return t.data == "number" or (t.data == "neg" and isinstance(t.children[0], Tree)
                                  and _constant_tree(t.children[0]))


def _form(t: Tree) -> str | None:
    """The form of a call of the language (None: a name or a number of arguments it lacks)."""
    name = str(t.children[0])
    count = sum(c is not None for c in t.children[1:])
    entry = CALLS.get(ALIASES.get(name, name), {}).get(count)
    return entry[1].form(count) if entry else None


def _value_children(t: Tree) -> list[Tree]:
    """The children of a parse tree node that are values (not sizes, not names)."""
    kids = [c for c in t.children if isinstance(c, Tree)]
    form = _form(t) if t.data == "call" else None
    if form is not None:
        return [k for k, kind in zip(kids, form) if kind == "v"]
    return kids


def _resolve(root: Node, u: Unifier) -> Node:
    """Rewrite every shape (and shape-valued attribute) with the unified dimensions."""
    new: dict[Node, Node] = {}
    for n in root.walk():
        attr = u.resolve_shape(n.attr) if isinstance(n.attr, Shape) else n.attr
        new[n] = Node(n.op, tuple(new[a] for a in n.args), attr, u.resolve_shape(n.shape))
    return new[root]
