"""How each op is written in NumPy, JAX and PyTorch source.

A backend is a table from ops to source templates: ``"{xp}.trace({0})"`` with the
arguments' names for ``{0}, {1}…``; a callable entry receives the node, the
argument names and a function printing sizes, for ops whose source depends on
shapes or attributes. Ops a backend cannot express raise ``MatdiffError``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..dims import Dim
from ..errors import MatdiffError
from ..expr import Node, Op, format_number
from ..ops import abstract as ab
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import linalg as la
from ..ops import matfun as mf
from ..ops import series as se
from . import runtime
from .optimize import BROADCAST, SCALE_COLS, SCALE_ROWS, SPD_INV, SPD_SOLVE

Sizes = Callable[[Dim], str]
Template = str | Callable[[Node, Sequence[str], Sizes], str]


def _lift(node: Node, src: str) -> str:
    """A vector as a one-column (or one-row) matrix."""
    if node.shape.is_matrix:
        return src
    return f"{src}[None, :]" if node.shape.row else f"{src}[:, None]"


def _matmul(n: Node, a: Sequence[str], size: Sizes) -> str:
    x, y = n.args
    if x.shape.is_col and y.shape.row:
        return f"{{xp}}.outer({a[0]}, {a[1]})"
    return f"{a[0]} @ {a[1]}"


def _sum(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.sum({a[0]})"


def _fill(n: Node, a: Sequence[str], size: Sizes) -> str:
    dims = ", ".join(size(d) for d in n.shape.dims)
    return f"{a[0]} * {{xp}}.ones(({dims},), {{like}})"


def _kron(n: Node, a: Sequence[str], size: Sizes) -> str:
    out = f"{{xp}}.kron({_lift(n.args[0], a[0])}, {_lift(n.args[1], a[1])})"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def _kron_l(n: Node, a: Sequence[str], size: Sizes) -> str:
    x, c = n.args
    r = [size(d) for d in (x.shape.rows, n.shape.rows, x.shape.cols, n.shape.cols)]
    out = f"{{xp}}.einsum('ij,ikjl->kl', {_lift(x, a[0])}, {a[1]}.reshape({', '.join(r)}))"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def _kron_r(n: Node, a: Sequence[str], size: Sizes) -> str:
    c, y = n.args
    r = [size(d) for d in (n.shape.rows, y.shape.rows, n.shape.cols, y.shape.cols)]
    out = f"{{xp}}.einsum('ikjl,kl->ij', {a[0]}.reshape({', '.join(r)}), {_lift(y, a[1])})"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def _unvec(n: Node, a: Sequence[str], size: Sizes) -> str:
    out = f"{a[0]}.reshape({size(n.shape.cols)}, {size(n.shape.rows)}).T"
    return f"{out}.reshape(-1)" if n.shape.is_vector else out


def _powc(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]} ** {format_number(n.attr)}"


def _elementwise(name: str) -> Template:
    return "{xp}." + name + "({0})"


def _eye(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.eye({size(n.shape.dims[0])}, {{like}})"


def _vec(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]}.T.reshape(-1)" if n.args[0].shape.is_matrix else a[0]


def _transpose(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]}.T" if n.shape.is_matrix else a[0]


def _scale(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{a[0]} * {a[1]}"


def _commutation(n: Node, a: Sequence[str], size: Sizes) -> str:
    m, k = n.attr
    return f"{{commutation}}({size(m)}, {size(k)})"


def _unit(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{unit}}({{int}}({n.attr[0]}), {size(n.shape.dims[0])})"


def _matfun(n: Node, a: Sequence[str], size: Sizes) -> str:
    name, k = n.attr
    if k == 0:
        return "{" + name + "}(" + a[0] + ")"
    return f"{{frechet}}({name!r}, {', '.join(a)})"


def _expand(n: Node, a: Sequence[str], size: Sizes) -> str:
    v = f"{a[0]}[None, :]" if n.args[0].shape.row else f"{a[0]}[:, None]"
    return f"{{xp}}.broadcast_to({v}, ({size(n.shape.rows)}, {size(n.shape.cols)}))"


def _along(call: str) -> Template:
    """A reduction or softmax along MATLAB's dimension d: axis d - 1."""
    def template(n: Node, a: Sequence[str], size: Sizes) -> str:
        return f"{call}({a[0]}, {{axis}}={n.attr - 1})"
    return template


def _mean(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{{xp}}.mean({a[0]})" if n.attr == 0 else f"{{xp}}.mean({a[0]}, {{axis}}={n.attr - 1})"


def _count(n: Node, a: Sequence[str], size: Sizes) -> str:
    return f"{size(n.args[0].shape.dims[n.attr])}"


COMMON: dict[Op, Template] = {
    ar.ADD: "{0} + {1}", ar.NEG: "-{0}", ar.SCALE: _scale, ar.MATMUL: _matmul, ar.TRANSPOSE: _transpose,
    ar.HAD: "{0} * {1}", ar.DIV: "{0} / {1}", ar.EDIV: "{0} / {1}", ar.SUM: _sum, ar.FILL: _fill,
    ar.EYE: _eye, ar.COMMUTATION: _commutation,
    la.TRACE: "{xp}.trace({0})", la.VEC: _vec, la.UNVEC: _unvec, la.KRON: _kron, la.KRON_L: _kron_l,
    la.KRON_R: _kron_r, la.DET: "{linalg}.det({0})", la.LOGDET: "{linalg}.slogdet({0})[1]",
    la.INV: "{linalg}.inv({0})", la.ADJ: "{adj}({0})", la.NORM2: "{norm2}({0})",
    la.NORM1: "{xp}.sum({xp}.abs({0}))",
    ew.POWC: _powc, ew.EPOW: "{0} ** {1}", mf.MATPOW: lambda n, a, s: f"{{matrix_power}}({a[0]}, {n.attr})",
    mf.MATFUN: _matfun, se.POWSYM: lambda n, a, s: f"{{matrix_power}}({a[0]}, {{int}}({n.attr}))",
    se.ELEM: lambda n, a, s: f"{a[0]}[{{int}}({n.attr})]", se.UNIT: _unit,
    la.LSE: "{logsumexp}({0})", la.SOFTMAX: "{softmax}({0})",
    bt.EXPAND: _expand, BROADCAST: lambda n, a, s: f"{a[0]}[None, :]" if n.args[0].shape.row else f"{a[0]}[:, None]", bt.SUM_DIM: _along("{xp}.sum"), bt.MEAN: _mean, bt.COUNT: _count,
    bt.SOFTMAX_DIM: _along("{softmax_along}"), bt.LSE_DIM: _along("{logsumexp_along}"),
    **{ew.UNARY[f]: _elementwise(f) for f in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs",
                                              "sign", "arcsin", "arccos", "arctan", "log1p")},
    ew.UNARY["relu"]: "{relu}({0})", ew.UNARY["sigmoid"]: "{sigmoid}({0})",
    la.DIAG: "{xp}.diag({0})", SCALE_ROWS: "{0}[:, None] * {1}", SCALE_COLS: "{0} * {1}[None, :]",
    SPD_INV: "{spd_inv}({0})", SPD_SOLVE: "{spd_solve}({0}, {1})",
}





def _adjugate(xp: str, svd: str, flip: str, cat: str) -> str:
    """adj(X) = det(U) det(V) · V diag(Π_{j≠i} s_j) U' from the SVD X = U S V' (see
    linalg.adjugate); ``flip`` reverses a vector (a template with one ``{}``)."""
    ones = f"{xp}.ones_like(s[:1])"
    before = f"{xp}.cumprod({cat}([{ones}, s[:-1]]), 0)"
    after = flip.format(f"{xp}.cumprod({cat}([{ones}, {flip.format('s')}[:-1]]), 0)")
    return (f"(lambda x: (lambda u, s, vh: {xp}.linalg.det(u) * {xp}.linalg.det(vh) * "
            f"((vh.T * ({before} * {after})) @ u.T))(*{svd}))")


def _scaled_norm(xp: str) -> str:
    """‖u‖ = m·‖u/m‖, m = max|u| (m = 0 gives 0): no overflow or underflow."""
    return (f"(lambda u: (lambda m: m * {xp}.sqrt({xp}.sum((u / m) ** 2)))"
            f"({xp}.where({xp}.max({xp}.abs(u)) > 0, {xp}.max({xp}.abs(u)), 1)))")


@dataclass(frozen=True)
class Backend:
    """A target library: its imports, the names its templates use, and ops it lacks."""

    name: str
    imports: str
    names: dict[str, str]
    missing: frozenset[Op] = field(default_factory=frozenset)
    #: Functions the module defines itself (the NumPy helpers copied into it).
    helpers: frozenset[str] = field(default_factory=frozenset)
    #: The prologue's lines binding dtype_ (device_) from the inputs ``{group}``, and the
    #: line used when there are no array inputs.
    like_inputs: tuple[str, ...] = ()
    no_inputs: str = ""

    @property
    def modules(self) -> frozenset[str]:
        """The names its imports bind (``np``, ``scipy``, ``runtime``…)."""
        out = set()
        for line in self.imports.splitlines():
            words = line.split()
            if words[:1] == ["import"]:
                out.add(words[3] if len(words) > 3 and words[2] == "as" else words[1].split(".")[0])
            elif words[:1] == ["from"]:
                out.add(words[-1])
        return frozenset(out) | self.helpers

    def prologue(self, arrays: Sequence[str]) -> list[str]:
        """Lines binding ``dtype_`` (and for torch ``device_``) from the array inputs: the
        promoted floating type of the inputs (at least float32), their device, so that
        constants made inside follow the inputs (float32 in, float32 out; on the GPU)."""
        if not arrays:
            return ["    " + self.no_inputs]
        group = f"({arrays[0]},)" if len(arrays) == 1 else f"({', '.join(arrays)})"
        return ["    " + line.format(group=group) for line in self.like_inputs]

    def render(self, node: Node, args: Sequence[str], size: Sizes) -> str:
        if node.op in self.missing or node.op not in COMMON:
            what = node.op.name + (f" ({node.attr[0]})" if node.op is mf.MATFUN else "")
            raise MatdiffError(f"{what} has no {self.name} form")
        if node.op is mf.MATFUN and f"{node.attr[0]}" not in self.names:
            raise MatdiffError(f"{node.attr[0]} has no {self.name} form")
        if node.op is mf.MATFUN and node.attr[1] > 0 and "frechet" not in self.names:
            raise MatdiffError(f"the Fréchet derivative of {node.attr[0]} has no {self.name} form")
        template = COMMON[node.op]
        text = template if isinstance(template, str) else template(node, args, size)
        return text.format(*args, **self.names) if isinstance(template, str) else text.format(**self.names)


NUMPY = Backend("numpy", "import numpy as np\nimport scipy.linalg\nimport scipy.special",
                {"xp": "np", "linalg": "np.linalg", "like": "dtype=dtype_", "int": "int",
                 "matrix_power": "np.linalg.matrix_power", "expm": "scipy.linalg.expm",
                 "logm": "logm", "sqrtm": "sqrtm",
                 "frechet": "frechet", "commutation": "commutation",
                 "unit": "unit", "logsumexp": "scipy.special.logsumexp",
                 "softmax": "scipy.special.softmax", "sigmoid": "scipy.special.expit",
                 "axis": "axis", "softmax_along": "scipy.special.softmax",
                 "logsumexp_along": "scipy.special.logsumexp",
                 "relu": "(lambda u: np.maximum(u, 0.0))", "spd_inv": "spd_inv",
                 "spd_solve": "spd_solve", "adj": "adjugate", "norm2": "scipy.linalg.norm"},
                helpers=frozenset(runtime.HELPERS),
                like_inputs=("dtype_ = np.result_type(np.float32, *(np.asarray(v).dtype for v in {group}))",),
                no_inputs="dtype_ = np.float64")
JAX = Backend("jax", "import jax\nimport jax.numpy as jnp\nimport jax.scipy.linalg\n"
              "import jax.scipy.special",
              {"xp": "jnp", "linalg": "jnp.linalg", "like": "dtype=dtype_", "int": "int",
               "matrix_power": "jnp.linalg.matrix_power", "expm": "jax.scipy.linalg.expm",
               "logsumexp": "jax.scipy.special.logsumexp", "softmax": "jax.nn.softmax",
               "axis": "axis", "softmax_along": "jax.nn.softmax",
               "logsumexp_along": "jax.scipy.special.logsumexp",
               "sigmoid": "jax.nn.sigmoid", "relu": "jax.nn.relu",
               "spd_inv": "(lambda x: jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(x), "
                          "jnp.eye(x.shape[0])))",
               "spd_solve": "(lambda x, b: jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(x), b))",
               "adj": _adjugate("jnp", "jnp.linalg.svd(x)", "jnp.flip({})", "jnp.concatenate"),
               "norm2": _scaled_norm("jnp")},
              frozenset({ar.COMMUTATION, se.UNIT, ab.ABSTRACT}),
              like_inputs=("dtype_ = jnp.result_type(jnp.float32, *(jnp.asarray(v).dtype for v in {group}))",),
              no_inputs="dtype_ = jnp.result_type(float)")
TORCH = Backend("torch", "import torch",
                {"xp": "torch", "linalg": "torch.linalg", "like": "dtype=dtype_, device=device_", "int": "int",
                 "matrix_power": "torch.linalg.matrix_power", "expm": "torch.linalg.matrix_exp",
                 "logsumexp": "(lambda u: torch.logsumexp(u.reshape(-1), 0))",
                 "softmax": "(lambda u: torch.softmax(u, 0))", "sigmoid": "torch.sigmoid",
                 "axis": "dim", "softmax_along": "torch.softmax", "logsumexp_along": "torch.logsumexp",
                 "relu": "torch.relu",
                 "spd_inv": "(lambda x: torch.cholesky_inverse(torch.linalg.cholesky(x)))",
                 "spd_solve": "(lambda x, b: torch.cholesky_solve(b if b.dim() == 2 else b[:, None], "
                              "torch.linalg.cholesky(x)).reshape(b.shape))",
                 "adj": _adjugate("torch", "torch.linalg.svd(x)", "torch.flip({}, (0,))", "torch.cat"),
                 "norm2": _scaled_norm("torch")},
                frozenset({ar.COMMUTATION, se.UNIT, ab.ABSTRACT}),
                like_inputs=("dtype_ = torch.float32", "for v in {group}:",
                             "    dtype_ = torch.promote_types(dtype_, torch.as_tensor(v).dtype)",
                             "device_ = next((v.device for v in {group} if isinstance(v, torch.Tensor)), None)"),
                no_inputs="dtype_, device_ = torch.get_default_dtype(), None")
BACKENDS = {b.name: b for b in (NUMPY, JAX, TORCH)}

