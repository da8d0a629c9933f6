"""The ShapeEnv: the symbols a trace made for sizes (and Python ints) that may vary, what the trace
learned about them, and the guards that keep a compiled graph to the inputs it is valid for.

- Symbols are named as PyTorch names them (a hash of the source: `s77` is `L['x'].size()[0]`),
  equal sizes share a symbol ("duck sizing"), and sizes 0 and 1 stay constants (native, in
  `torch._C.SymbolAllocator`).
- Each symbol has a value range: a size is at least 2 once 0 and 1 are specialised.
- A question asked of a symbolic value (`bool(s77 > 4)`) is answered from the hints; when the
  ranges do not decide it, the answer becomes a guard. A one-symbol answer narrows the symbol's
  range (`5 <= s77`); an equality replaces a symbol (`s17 -> s77`, or by a constant:
  specialisation).
- `produce_guards` lists what must hold for the inputs: sources sharing a symbol are equal, each
  symbol within its range, and the remaining relations.
"""

import enum

from torch import _C
from torch._symint import SymBool, SymFloat, SymInt, SymNode, _REL_NEGATION, _rel_str

__all__ = ["ShapeEnv", "DimDynamic", "StatelessSymbolicContext", "is_concrete_int", "guard_int",
           "has_free_symbols", "free_symbols", "statically_known_true", "guard_or_false", "guard_or_true",
           "GuardOnDataDependentSymNode", "ConstraintViolationError"]


class GuardOnDataDependentSymNode(RuntimeError):
    pass


class ConstraintViolationError(RuntimeError):
    pass


class DimDynamic(enum.Enum):
    DYNAMIC = 0
    DUCK = 1
    STATIC = 2
    SIZE_LIKE_UNBACKED = 3
    INFER_STRIDE = 4
    OBLIVIOUS_SIZE = 5


class StatelessSymbolicContext:
    def __init__(self, dynamic_sizes, constraint_sizes=None, **kwargs):
        self.dynamic_sizes = dynamic_sizes
        self.constraint_sizes = constraint_sizes


class ShapeGuard:
    """A relation the trace assumed (`op` one of == != < <= > >=), with where it was made."""

    __slots__ = ("op", "lhs", "rhs", "where")

    def __init__(self, op, lhs, rhs, where):
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.where = where


def _solve_bound(c, k, op):
    """For `c*s + k op 0` with c != 0: ("lo"|"hi"|"eq", value) that it says of `s`, or None."""
    if c < 0:
        c, k = -c, -k
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    t = -k
    if op == ">=":
        return "lo", -((-t) // c)
    if op == ">":
        return "lo", t // c + 1
    if op == "<=":
        return "hi", t // c
    if op == "<":
        return "hi", -((-t) // c) - 1
    if op == "==" and t % c == 0:
        return "eq", t // c
    return None


class ShapeEnv:
    def __init__(self, *, specialize_zero_one=True, duck_shape=None, assume_static_by_default=False,
                 allow_scalar_outputs=True, allow_dynamic_output_shape_ops=True, **kwargs):
        from torch.fx.experimental import _config as config

        # Whether `x.item()` and ops whose output size depends on the data (`nonzero`) give
        # unbacked symbols (Dynamo's capture_scalar_outputs / capture_dynamic_output_shape_ops).
        self.allow_scalar_outputs = allow_scalar_outputs
        self.allow_dynamic_output_shape_ops = allow_dynamic_output_shape_ops
        self.unbacked = set()  # names of unbacked symbols (`u0`): no value at trace time
        self.specialize_zero_one = specialize_zero_one
        self.duck_shape = config.use_duck_shape if duck_shape is None else duck_shape
        self._alloc = _C._symbol_allocator()
        self.var_to_val = {}  # symbol name -> hint
        self.var_to_range = {}  # symbol name -> [lo, hi] (None: unbounded)
        self.var_to_sources = {}  # symbol name -> [Source], the first one binds it
        self.var_is_size = {}
        self.size_oblivious = set()  # symbols of size-like unbacked dims
        # symbol name -> (lo, hi) the trace may assume without a guard: bounds `torch._check`
        # asserted, checked when the graph runs (`aten._assert_scalar`) instead.
        self.axiom_range = {}
        # symbol -> index in its sources where those of symbols replaced by it begin (an
        # equality learned while tracing, printed kept == replaced, not duck-sized == first)
        self.merged_at = {}
        self.replacements = {}  # symbol name -> SymExpr
        self.guards = []
        self._symbols = {}  # symbol name -> SymExpr of the symbol itself
        # symbol name -> [where its lower bound, where its upper bound was set]; each a `Where`
        self.range_where = {}
        # Where a guard is made: set by the tracer to a function giving the user's location
        # (filename, lineno, function name) or None.
        self.where = lambda: None

    # -- symbols ---------------------------------------------------------------------------
    def create_symbol(self, val, source, dynamic_dim=DimDynamic.DUCK, is_size=True):
        """The expression for `val` read from `source`: a constant for 0/1 sizes, else a
        symbol (shared with an equal size under duck sizing)."""
        duck = self.duck_shape and dynamic_dim is DimDynamic.DUCK
        # A size-like unbacked dim keeps 0 and 1 symbolic (its range starts at 0).
        spec = self.specialize_zero_one and is_size and dynamic_dim is not DimDynamic.SIZE_LIKE_UNBACKED
        expr = self._alloc.create_symbol(source.name, int(val), duck, spec)
        if expr.as_int() is not None:
            return expr
        name = str(expr)
        if name not in self.var_to_val:
            self.var_to_val[name] = int(val)
            low = 2 if spec else (0 if is_size else None)
            self.var_to_range[name] = [low, None]
            # A size's lower bound 2 comes from 0/1 specialization, first needed where the
            # size is first read.
            self.range_where[name] = [_where(self.where(), "spec") if low == 2 else None, None]
            self.var_to_sources[name] = []
            self.var_is_size[name] = is_size
            if dynamic_dim is DimDynamic.SIZE_LIKE_UNBACKED:
                self.size_oblivious.add(name)
            self._symbols[name] = expr
        self.var_to_sources[name].append(source)
        return expr

    def create_unbacked_symint(self, lo=None, hi=None, size_like=False):
        """A value the data decides (`x.item()`, the length of `x.nonzero()`): a fresh symbol
        `u0` with no value at trace time. A question its range does not answer cannot become a
        guard (GuardOnDataDependentSymNode); a size-like one is taken as at least 2 where only
        sizes 0 and 1 would answer differently (broadcasting)."""
        name = f"u{len(self.unbacked)}"
        expr = _C._sym_symbol(name)
        # The value meta kernels compute metadata with (nothing depends on it: every question
        # about the symbol is answered from its range or refused).
        hint = 2 if hi is None else max(min(hi, 2), lo or 0)
        self.unbacked.add(name)
        self.var_to_val[name] = hint
        self.var_to_range[name] = [lo, hi]
        self.range_where[name] = [None, None]
        self.var_to_sources[name] = []
        self.var_is_size[name] = size_like
        if size_like:
            self.size_oblivious.add(name)
        self._symbols[name] = expr
        return SymInt(SymNode(expr, self, int, hint))

    def _data_dependent(self, *exprs):
        return bool(self.unbacked) and any(s in self.unbacked for e in exprs for s in e.free_symbols())

    def create_symint(self, val, source, dynamic_dim=DimDynamic.DUCK, is_size=True):
        return self.make_symint(self.create_symbol(val, source, dynamic_dim, is_size), int(val))

    def make_symint(self, expr, hint):
        expr = self.simplify(expr)
        n = expr.as_int()
        if n is not None:
            return n
        return SymInt(SymNode(expr, self, int, hint))

    def make_symbool(self, op, lhs, rhs, hint):
        decided = self._decide(op, self.simplify(lhs), self.simplify(rhs))
        if decided is not None:
            return decided
        return SymBool(SymNode((op, lhs, rhs), self, bool, bool(hint)))

    def simplify(self, expr):
        if not self.replacements:
            return expr
        names = [s for s in expr.free_symbols() if s in self.replacements]
        if not names:
            return expr
        return expr.subs({s: self.replacements[s] for s in names})

    def _ranges(self):
        # Size-oblivious symbols are decided as if at least 2: a question whose answer differs
        # only for sizes 0 and 1 (broadcasting: is this dim 1?) gets the general answer and no
        # guard, so those sizes reuse the graph.
        out = {s: ((2 if s in self.size_oblivious and (r[0] or 0) < 2 else r[0]), r[1])
               for s, r in self.var_to_range.items()}
        for s, (lo, hi) in self.axiom_range.items():
            glo, ghi = out[s]
            out[s] = (lo if glo is None else max(lo, glo) if lo is not None else glo,
                      hi if ghi is None else min(hi, ghi) if hi is not None else ghi)
        return out

    def bound(self, expr):
        """(lo, hi) of an expression under the symbols' ranges (None: unbounded)."""
        return self.simplify(expr).bounds(self._ranges())

    def _decide(self, op, lhs, rhs):
        """True/False when the ranges decide `lhs op rhs`, else None."""
        d = lhs.sub(rhs)
        lo, hi = d.bounds(self._ranges())
        if op == "==":
            if lo == 0 and hi == 0:
                return True
            if (lo is not None and lo > 0) or (hi is not None and hi < 0):
                return False
        elif op == "!=":
            decided = self._decide("==", lhs, rhs)
            return None if decided is None else not decided
        elif op in ("<", "<="):
            strict = op == "<"
            if hi is not None and (hi < 0 or (not strict and hi <= 0)):
                return True
            if lo is not None and (lo > 0 or (strict and lo >= 0)):
                return False
        elif op in (">", ">="):
            return self._decide("<" if op == ">" else "<=", rhs, lhs)
        return None

    # -- learning facts ----------------------------------------------------------------------
    def evaluate(self, node):
        """The truth value of SymBool `node`, from its hint; recorded as a guard unless the
        ranges already decide it."""
        op, lhs, rhs = node.expr
        decided = self._decide(op, lhs, rhs)
        if decided is not None:
            return decided
        if self._data_dependent(lhs, rhs):
            text = _rel_text(op, lhs, rhs)
            raise GuardOnDataDependentSymNode(
                f"Could not guard on data-dependent expression {text} (unhinted: {text}).")
        if not node.hint:
            op = _REL_NEGATION[op]
        self.add_guard(op, lhs, rhs, note="eval")
        return node.hint

    def specialize(self, node):
        """`int(s)`: the hint, with the guard that the expression has that value."""
        expr = node.expr
        if self._data_dependent(expr):
            raise GuardOnDataDependentSymNode(
                f"Could not extract specialized integer from data-dependent expression {expr} "
                f"(unhinted: {expr}).")
        if expr.as_int() is None:
            self.add_guard("==", expr, _C._sym_int(node.hint))
        return node.hint

    def defer_runtime_assert(self, op, lhs, rhs):
        """`torch._check(lhs op rhs)` on sizes the ranges do not decide: assumed from here on
        (a one-symbol bound narrows the symbol's range for decisions), guarded by nothing; the
        graph checks it when it runs."""
        lhs, rhs = self.simplify(lhs), self.simplify(rhs)
        linear = lhs.sub(rhs).as_linear()
        if linear is None:
            return
        c, name, k = linear
        bound = _solve_bound(c, k, op)
        if bound is None or bound[0] == "eq":
            return
        lo, hi = self.axiom_range.get(name, (None, None))
        if bound[0] == "lo":
            lo = bound[1] if lo is None else max(lo, bound[1])
        else:
            hi = bound[1] if hi is None else min(hi, bound[1])
        self.axiom_range[name] = (lo, hi)

    def add_guard(self, op, lhs, rhs, note=None):
        lhs, rhs = self.simplify(lhs), self.simplify(rhs)
        if self._decide(op, lhs, rhs) is True:
            return
        if any(g.op == op and str(g.lhs) == str(lhs) and str(g.rhs) == str(rhs) for g in self.guards):
            return
        self.guards.append(ShapeGuard(op, lhs, rhs, _where(self.where(), note)))
        d = lhs.sub(rhs)
        linear = d.as_linear()
        if linear is not None:
            c, name, k = linear
            bound = _solve_bound(c, k, op)
            if bound is not None:
                kind, v = bound
                where = self.guards[-1].where
                lo, hi = self.var_to_range[name]
                if kind in ("lo", "eq") and (lo is None or v > lo):
                    self.range_where[name][0] = where
                if kind in ("hi", "eq") and (hi is None or v < hi):
                    self.range_where[name][1] = where
                if kind == "lo":
                    self.var_to_range[name][0] = v if lo is None else max(lo, v)
                elif kind == "hi":
                    self.var_to_range[name][1] = v if hi is None else min(hi, v)
                else:
                    self.var_to_range[name] = [v, v]
                    self.replacements[name] = _C._sym_int(v)
                    self._resimplify()
            return
        if op == "==":
            # Two symbols equal: the one made later is replaced by the other.
            free = d.free_symbols()
            if len(free) == 2:
                # PyTorch replaces the symbol with the larger (hint, name) by the other.
                keep, drop = sorted(free, key=lambda n: (self.var_to_val[n], n))
                if d.subs({keep: 0, drop: 0}).as_int() == 0 and d.subs({keep: 1, drop: 1}).as_int() == 0:
                    self.replacements[drop] = self._symbols[keep]
                    # The dropped symbol's sources now read the kept one: the guards check
                    # they are equal (`L['y'].size()[0] == L['x'].size()[0]`), and the kept
                    # symbol's range is what both ranges allowed.
                    self.merged_at.setdefault(keep, len(self.var_to_sources[keep]))
                    self.var_to_sources[keep].extend(self.var_to_sources[drop])
                    self.var_to_sources[drop] = []
                    (lo_k, hi_k), (lo_d, hi_d) = self.var_to_range[keep], self.var_to_range[drop]
                    lo = lo_d if lo_k is None else lo_k if lo_d is None else max(lo_k, lo_d)
                    hi = hi_d if hi_k is None else hi_k if hi_d is None else min(hi_k, hi_d)
                    self.var_to_range[keep] = [lo, hi]
                    self._resimplify()

    def _resimplify(self):
        for name, expr in list(self.replacements.items()):
            self.replacements[name] = self.simplify(expr) if expr.free_symbols() != [name] else expr

    # -- guards ------------------------------------------------------------------------------
    def produce_guards(self):
        """What must hold for the inputs, one `GuardRecord` per guard PyTorch would print:
        sources that share a symbol are equal (`L['y'].size()[0] == L['x'].size()[0]`), the
        relations learned that the final ranges do not imply, then each symbol's range
        (`2 <= L['x'].size()[0] <= 4`). Relations name symbols; a symbol's k-th extra source is
        the alias `name__k` (`bindings()`)."""
        records = []
        for name, sources in self.var_to_sources.items():
            merged = self.merged_at.get(name, len(sources))
            for k in range(1, len(sources)):
                alias = f"{name}__{k}"
                if k < merged:
                    text = lambda names, a=alias, n=name: f"{names[a]} == {names[n]}"
                else:
                    text = lambda names, a=alias, n=name: f"{names[n]} == {names[a]}"
                records.append(GuardRecord([("==", _C._sym_symbol(alias), self._symbols[name])], [], text))
        for g in self.guards:
            op, lhs, rhs = g.op, self.simplify(g.lhs), self.simplify(g.rhs)
            if self._decide(op, lhs, rhs) is True or _is_range_fact(op, lhs, rhs):
                continue
            records.append(GuardRecord([(op, lhs, rhs)], [g.where] if g.where else [],
                                       lambda names, op=op, lhs=lhs, rhs=rhs: _python_rel(op, lhs, rhs, names)))
        for name in self.var_to_val:
            if name in self.unbacked:
                continue  # no input gives it: checked by the graph's runtime assertions
            sym = self._symbols[name]
            lo, hi = self.var_to_range[name]
            if name in self.replacements:
                if not self.var_to_sources[name]:
                    continue  # replaced by another symbol, which its sources now read
                value = self.replacements[name].as_int()
                if value is not None:
                    eq_where = [w for w in self.range_where.get(name, ()) if w is not None][-1:]
                    records.append(GuardRecord([("==", sym, _C._sym_int(value))], eq_where,
                                               lambda names, n=name, v=value: f"{names[n]} == {v}"))
                continue
            default_lo = 0 if self.var_is_size[name] else None
            show_lo = lo is not None and lo != default_lo
            rels = []
            if show_lo:
                rels.append(("<=", _C._sym_int(lo), sym))
            if hi is not None:
                rels.append(("<=", sym, _C._sym_int(hi)))
            if rels:
                text = (f"{lo} <= " if show_lo else "") + "{}" + (f" <= {hi}" if hi is not None else "")
                lo_where, hi_where = self.range_where.get(name, (None, None))
                wheres = [w for w in (lo_where if show_lo else None, hi_where) if w is not None]
                if len(wheres) == 2 and wheres[0] == wheres[1]:
                    wheres.pop()
                records.append(GuardRecord(rels, wheres, lambda names, t=text, n=name: t.format(names[n])))
        return records

    def bindings(self):
        """symbol (or `name__k` alias) -> the source that gives its value."""
        out = {}
        for name, sources in self.var_to_sources.items():
            for k, source in enumerate(sources):
                out[name if k == 0 else f"{name}__{k}"] = source
        return out


def _where(location, note):
    """A guard's origin: the user location (filename, lineno, function) and why it was made
    there ("spec": 0/1 specialization, "eval": a bool() of a symbolic comparison, None)."""
    return None if location is None else (*location, note)


class GuardRecord:
    """One printed shape guard: the relations it checks, where the trace made it (a list of
    `_where` origins, possibly empty), and its text for symbol names `names`."""

    __slots__ = ("relations", "where", "text")

    def __init__(self, relations, where, text):
        self.relations = relations
        self.where = where
        self.text = text


def _is_range_fact(op, lhs, rhs):
    """A one-symbol inequality or equality: the symbol's range (or replacement) holds it."""
    linear = lhs.sub(rhs).as_linear()
    return linear is not None and _solve_bound(linear[0], linear[2], op) is not None


def _python_rel(op, lhs, rhs, names):
    return f"{lhs.print_with(names)} {op} {rhs.print_with(names)}"


def is_concrete_int(a):
    return isinstance(a, int) and not isinstance(a, bool) or (isinstance(a, SymInt) and a.node.expr.as_int() is not None)


def has_free_symbols(a):
    return isinstance(a, (SymInt, SymBool, SymFloat))


def free_symbols(a):
    if isinstance(a, SymInt):
        return set(a.node.expr.free_symbols())
    return set()


def guard_int(a):
    return int(a)


def statically_known_true(b):
    """True only when it holds without a guard."""
    if isinstance(b, SymBool):
        op, lhs, rhs = b.node.expr
        return b.node.shape_env._decide(op, lhs, rhs) is True
    return bool(b)


def guard_or_false(b):
    return bool(b)


def guard_or_true(b):
    return bool(b)


def guard_size_oblivious(b):
    return bool(b)


def hint_int(a, fallback=None):
    return a.node.hint if isinstance(a, SymInt) else int(a)


def unbacked_bindings(env, value, first):
    """The unbacked symbols made since the ShapeEnv had `first` of them that `value` (a node's
    value) binds, oldest first, each with where: None for the value itself (a SymInt), else the
    dim of the tensor whose size it is."""
    names = sorted((n for n in env.unbacked if int(n[1:]) >= first), key=lambda n: int(n[1:]))
    out = []
    for name in names:
        if isinstance(value, SymInt) and str(value.node._expr) == name:
            out.append((name, None))
            continue
        for d, size in enumerate(getattr(value, "_sym_shape", None) or ()):
            if isinstance(size, SymInt) and str(size.node._expr) == name:
                out.append((name, d))
                break
    return out


def range_assertions(env, name):
    """The checks of an unbacked symbol's range a graph makes when it runs, as PyTorch inserts
    them: (op, comparison, bound) for `u0 >= 0` and `u0 <= 4`."""
    import operator

    lo, hi = env.var_to_range[name]
    out = []
    if lo is not None:
        out.append((">=", operator.ge, lo))
    if hi is not None:
        out.append(("<=", operator.le, hi))
    return out


def assertion_value(env, name, op, limit):
    """The SymBool `u0 >= 0` as the graph shows it (the range decides it; it is kept, not
    folded to True, since it is what the graph checks)."""
    return SymBool(SymNode((op, env._symbols[name], _C._sym_int(limit)), env, bool, True))


def _rel_text(op, lhs, rhs):
    return _rel_str(op, lhs, rhs)

