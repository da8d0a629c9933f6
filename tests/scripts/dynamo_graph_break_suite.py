# Graph breaks (torch.compile without fullgraph): each case breaks somewhere (print, graph_break(),
# .item()/.tolist(), data-dependent branches, loops, grad-mode blocks, nested calls, try blocks ...).
# A case runs eagerly, then compiled with backend="eager" (two calls, same shapes, other values),
# then compiled with a CompileCounter: the results must equal eager, the side effects (the global
# LOG, prints, mutated arguments) must happen exactly once and in order. (Graph counts are
# checked in dynamo_graph_breaks.py.) dynamic=False: a recompile (of a resume function too) specialises again
# instead of making ints and floats symbolic.
import torch
from torch._dynamo.testing import CompileCounter

LOG = []


def same(a, b):
    if isinstance(a, torch.Tensor):
        return (isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype
                and a.requires_grad == b.requires_grad and bool(torch.allclose(a.detach(), b.detach())))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, Box):
        return type(b) is Box and same(vars(a), vars(b))
    return type(a) is type(b) and a == b


class Box:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def A(*args, **kwargs):
    return args, kwargs


def t(offset=0.0, shape=(2, 3)):
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n).float() - offset).reshape(shape)


def run_calls(fn, inputs):
    """Calls fn on fresh arguments from each input factory: [(result, arguments after, LOG)]."""
    runs = []
    for make in inputs:
        args, kwargs = make()
        LOG.clear()
        out = fn(*args, **kwargs)
        runs.append((out, (args, kwargs), list(LOG)))
    LOG.clear()
    return runs


def case(fn, *inputs, name=None):
    name = name or fn.__name__
    print(f"== {name}")
    torch._dynamo.reset()
    print("-- eager")
    eager = run_calls(fn, inputs)
    for i, (_, _, log) in enumerate(eager):
        print(f"eager call {i + 1}: log={log}")
    print("-- compiled")
    torch._dynamo.reset()
    compiled = run_calls(torch.compile(fn, backend="eager", dynamic=False), inputs)
    for i, ((out, args, log), (ref, ref_args, ref_log)) in enumerate(zip(compiled, eager)):
        print(f"compiled call {i + 1}: result={same(out, ref)} args={same(args, ref_args)} log={log}")
    print("-- counted")
    torch._dynamo.reset()
    cnt = CompileCounter()
    counted = run_calls(torch.compile(fn, backend=cnt, dynamic=False), inputs)
    ok = all(same(c[0], e[0]) and same(c[1], e[1]) and c[2] == e[2] for c, e in zip(counted, eager))
    # How many graphs each case makes is PyTorch's business to decide (side effects on lists
    # and dicts, closures and generators are folded into graphs there, cut at breaks here);
    # dynamo_graph_breaks.py checks graph counts. Here: results and side effects.
    print(f"counted: same={ok}")
    torch._dynamo.reset()


# --- prints and explicit breaks ---------------------------------------------------------------


def print_in_middle(x):
    y = x * 2
    LOG.append("before print")
    print("  print_in_middle: middle")
    LOG.append("after print")
    return y + 1


case(print_in_middle, lambda: A(t()), lambda: A(t(3)))


def explicit_break(x):
    a = x.sin()
    torch._dynamo.graph_break()
    return a.cos() + x


case(explicit_break, lambda: A(t()), lambda: A(t(2)))


def two_breaks(x):
    a = x + 1
    torch._dynamo.graph_break()
    b = a * 2
    torch._dynamo.graph_break()
    return b - x


case(two_breaks, lambda: A(t()), lambda: A(t(1)))


def break_first(x):
    torch._dynamo.graph_break()
    return x * 3 + 1


case(break_first, lambda: A(t()), lambda: A(t(4)))


def break_last(x):
    y = x.relu() * 2
    torch._dynamo.graph_break()
    return y


case(break_last, lambda: A(t(2)), lambda: A(t(3)))


def prints_and_log_order(x):
    LOG.append("a")
    print("  prints_and_log_order: p1")
    y = x + 1
    LOG.append("b")
    print("  prints_and_log_order: p2", 7)
    LOG.append("c")
    return y * y


case(prints_and_log_order, lambda: A(t()), lambda: A(t(1)))


# --- data dependence --------------------------------------------------------------------------


def item_scalar(x):
    s = x.sum().item()
    LOG.append(round(s, 3))
    return x * s


case(item_scalar, lambda: A(t()), lambda: A(t(1)))


def tolist_values(x):
    y = x * 2
    vals = y.tolist()
    LOG.append(vals)
    return y + len(vals)


case(tolist_values, lambda: A(t(0, (4,))), lambda: A(t(2, (4,))))


def branch_on_sum(x):
    y = x * 2
    if y.sum() > 0:
        LOG.append("positive")
        return y + 1
    LOG.append("not positive")
    return y - 1


case(branch_on_sum, lambda: A(t()), lambda: A(t(10)))


def branch_on_item(x):
    m = x.max()
    if m.item() > 3:
        out = x / m
    else:
        out = x * 0
    return out.cos()


case(branch_on_item, lambda: A(t()), lambda: A(t(5)))


def branch_then_more_work(x):
    y = x.sin()
    if (y > 0).any():
        y = y * 10
    z = y + x
    return z.sum(0)


case(branch_then_more_work, lambda: A(t()), lambda: A(-t() - 4))


# --- loops ------------------------------------------------------------------------------------


def break_in_for_loop(x):
    for i in range(3):
        x = x + i
        torch._dynamo.graph_break()
    return x * 2


case(break_in_for_loop, lambda: A(t()), lambda: A(t(1)))


def print_in_for_loop(x):
    y = x.abs()
    for i in range(2):
        LOG.append(i)
        print("  print_in_for_loop: iteration", i)
        y = y * 2
    return y


case(print_in_for_loop, lambda: A(t()), lambda: A(t(3)))


def break_in_while_loop(x):
    i = 0
    while i < 3:
        x = x * 2
        torch._dynamo.graph_break()
        i += 1
    return x - 1


case(break_in_while_loop, lambda: A(t()), lambda: A(t(2)))


def loop_over_list_then_break(x):
    total = x
    for k in [1, 2, 3]:
        total = total + k
    torch._dynamo.graph_break()
    for k in [4, 5]:
        total = total * k
    return total


case(loop_over_list_then_break, lambda: A(t()), lambda: A(t(1)))


def helper_with_break(x):
    y = x + 1
    torch._dynamo.graph_break()
    return y * 2


def loop_calls_breaking_helper(x):
    for _ in range(2):
        x = helper_with_break(x)
    return x.sum()


case(loop_calls_breaking_helper, lambda: A(t()), lambda: A(t(2)))


# --- grad mode --------------------------------------------------------------------------------


def break_in_no_grad(x):
    with torch.no_grad():
        y = x * 2
        torch._dynamo.graph_break()
        z = y + 1
    LOG.append((y.requires_grad, z.requires_grad))
    w = x * z
    return z, w


case(break_in_no_grad, lambda: A(t().requires_grad_()), lambda: A(t(1).requires_grad_()))


def break_in_enable_grad(x):
    with torch.no_grad():
        a = x * 2
        with torch.enable_grad():
            b = x * 3
            print("  break_in_enable_grad: inside enable_grad")
            c = b + 1
        d = c * 2
    LOG.append((a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad))
    return a, c, d


case(break_in_enable_grad, lambda: A(t().requires_grad_()), lambda: A(t(2).requires_grad_()))


def no_grad_after_break(x):
    y = x.exp()
    torch._dynamo.graph_break()
    with torch.no_grad():
        z = y * 2
    LOG.append((torch.is_grad_enabled(), z.requires_grad))
    return y + z


case(no_grad_after_break, lambda: A(t().requires_grad_()), lambda: A(t(1).requires_grad_()))


# --- nested user functions --------------------------------------------------------------------


def inner_breaks(x):
    y = x + 1
    torch._dynamo.graph_break()
    return y * 2


def nested_two_levels(x):
    a = x.sin()
    b = inner_breaks(a)
    return b.cos()


case(nested_two_levels, lambda: A(t()), lambda: A(t(2)))


def level3(x):
    LOG.append("level3 before")
    print("  level3: print")
    LOG.append("level3 after")
    return x * 3


def level2(x):
    return level3(x + 2) - 1


def nested_three_levels(x):
    y = x * 2
    z = level2(y)
    return z + y


case(nested_three_levels, lambda: A(t()), lambda: A(t(1)))


def inner_no_break(x):
    return x * x + 1


def nested_break_between_calls(x):
    a = inner_no_break(x)
    torch._dynamo.graph_break()
    return inner_no_break(a)


case(nested_break_between_calls, lambda: A(t()), lambda: A(t(3)))


# --- try blocks -------------------------------------------------------------------------------


def break_in_try_except(x):
    try:
        y = x + 1
        torch._dynamo.graph_break()
        if y.shape[0] == 2:
            raise ValueError("boom")
        y = y * 100
    except ValueError as e:
        LOG.append(str(e))
        y = y * 2
    return y


case(break_in_try_except, lambda: A(t()), lambda: A(t(1)))


def break_in_try_finally(x):
    try:
        y = x * 2
        print("  break_in_try_finally: in try")
        y = y + 1
    finally:
        LOG.append("finally")
    return y


case(break_in_try_finally, lambda: A(t()), lambda: A(t(2)))


def raise_after_break(x):
    y = x.sum()
    torch._dynamo.graph_break()
    raise KeyError("after break")


def catches_inner_exception(x):
    try:
        return raise_after_break(x)
    except KeyError as e:
        LOG.append(repr(e))
        return x - 1


case(catches_inner_exception, lambda: A(t()), lambda: A(t(1)))


# --- comprehensions, generators, closures -----------------------------------------------------


def generator_after_break(x):
    y = x * 2
    torch._dynamo.graph_break()
    total = sum(row.sum() for row in y)
    return total + y.mean()


case(generator_after_break, lambda: A(t()), lambda: A(t(1)))


def listcomp_after_break(x):
    y = x + 1
    print("  listcomp_after_break: print")
    parts = [y[i] * (i + 1) for i in range(y.shape[0])]
    return torch.stack(parts)


case(listcomp_after_break, lambda: A(t()), lambda: A(t(2)))


def closure_reads_outer(x):
    scale = 3
    offset = x.mean()

    def inner(y):
        return y * scale + offset

    torch._dynamo.graph_break()
    return inner(x)


case(closure_reads_outer, lambda: A(t()), lambda: A(t(1)))


def closure_that_breaks(x):
    bias = x.sum(0)

    def inner(y):
        z = y + bias
        torch._dynamo.graph_break()
        return z * 2

    return inner(x) - 1


case(closure_that_breaks, lambda: A(t()), lambda: A(t(1)))


def nonlocal_counter(x):
    count = 0

    def bump():
        nonlocal count
        count += 1

    bump()
    torch._dynamo.graph_break()
    bump()
    return x * count


case(nonlocal_counter, lambda: A(t()), lambda: A(t(1)))


# --- methods and modules ----------------------------------------------------------------------


class Scaler:
    def __init__(self, k):
        self.k = k

    def apply(self, x):
        y = x * self.k
        LOG.append(f"Scaler.apply k={self.k}")
        print("  Scaler.apply: print")
        return y + 1


scaler = Scaler(4)
case(scaler.apply, lambda: A(t()), lambda: A(t(1)), name="user_class_method")

torch.manual_seed(0)


class PrintingNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 4)
        self.fc2 = torch.nn.Linear(4, 2)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        print("  PrintingNet.forward: hidden", tuple(h.shape))
        LOG.append("forward")
        return self.fc2(h)


net = PrintingNet()
case(net, lambda: A(t()), lambda: A(t(2)), name="module_forward_print")


class BreakingSubmodule(torch.nn.Module):
    def forward(self, x):
        torch._dynamo.graph_break()
        return x.tanh()


class OuterModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)
        self.sub = BreakingSubmodule()

    def forward(self, x):
        return self.sub(self.lin(x)) * 2


outer = OuterModule()
case(outer, lambda: A(t()), lambda: A(t(1)), name="submodule_breaks")


# --- arguments --------------------------------------------------------------------------------


def kwargs_and_defaults(x, scale=2.0, *, shift=1, tag="default"):
    y = x * scale
    LOG.append(tag)
    torch._dynamo.graph_break()
    return y + shift


case(kwargs_and_defaults, lambda: A(t(), shift=3, tag="first"), lambda: A(t(1), shift=3, tag="first"))
case(kwargs_and_defaults, lambda: A(t(), 0.5), lambda: A(t(1), 0.5), name="kwargs_and_defaults (defaults)")


def star_args(*xs):
    total = xs[0]
    torch._dynamo.graph_break()
    for extra in xs[1:]:
        total = total + extra
    return total, len(xs)


case(star_args, lambda: A(t(), t(1), t(2)), lambda: A(t(3), t(4), t(5)))


def star_kwargs(x, **opts):
    y = x + opts["bias"]
    print("  star_kwargs: keys", sorted(opts))
    return y * opts.get("scale", 1)


case(star_kwargs, lambda: A(t(), bias=1, scale=2), lambda: A(t(1), bias=1, scale=2))


# --- returned containers ----------------------------------------------------------------------


def returns_tuple(x):
    a = x + 1
    torch._dynamo.graph_break()
    b = a * 2
    return a, b, "tag"


case(returns_tuple, lambda: A(t()), lambda: A(t(1)))


def returns_dict(x):
    out = {"first": x.sin()}
    print("  returns_dict: print")
    out["second"] = out["first"] + x
    return out


case(returns_dict, lambda: A(t()), lambda: A(t(1)))


def returns_list(x):
    parts = [x]
    torch._dynamo.graph_break()
    parts.append(x * 2)
    parts.append(parts[-1] + 1)
    return parts


case(returns_list, lambda: A(t()), lambda: A(t(1)))


# --- side effects on arguments and globals ----------------------------------------------------


def append_to_list_arg(x, out):
    out.append(x + 1)
    LOG.append(len(out))
    torch._dynamo.graph_break()
    out.append(x * 2)
    LOG.append(len(out))
    return x.sum()


case(append_to_list_arg, lambda: A(t(), [t(5)]), lambda: A(t(1), [t(6)]))


def set_attr_on_arg(x, box):
    box.total = x.sum()
    box.count = box.count + 1
    print("  set_attr_on_arg: count", box.count)
    box.count = box.count + 1
    box.last = x * 2
    return box.count


case(set_attr_on_arg, lambda: A(t(), Box(count=0)), lambda: A(t(1), Box(count=0)))


def mutate_dict_arg(x, d):
    d["a"] = x + 1
    torch._dynamo.graph_break()
    d["b"] = d["a"] * 2
    del d["old"]
    return d["b"].sum()


case(mutate_dict_arg, lambda: A(t(), {"old": 1}), lambda: A(t(1), {"old": 1}))


COUNTER = 0


def mutate_global(x):
    global COUNTER
    COUNTER += 1
    LOG.append(COUNTER)
    torch._dynamo.graph_break()
    COUNTER += 10
    LOG.append(COUNTER)
    return x + 1




def fresh_counter(offset):
    global COUNTER
    COUNTER = 0
    return A(t(offset))


case(mutate_global, lambda: fresh_counter(0), lambda: fresh_counter(1))
print("COUNTER", COUNTER)


def inplace_on_arg_across_break(x):
    x.add_(1)
    torch._dynamo.graph_break()
    x.mul_(2)
    return x.sum()


case(inplace_on_arg_across_break, lambda: A(t()), lambda: A(t(1)))


def live_values_across_break(x):
    n = x.shape[0]
    name = "scaled"
    pair = (x.sum(), 2)
    torch._dynamo.graph_break()
    LOG.append((n, name, pair[1]))
    return x * n + pair[0] * pair[1]


case(live_values_across_break, lambda: A(t()), lambda: A(t(1)))


def static_branch_with_break(x, flag):
    if flag:
        torch._dynamo.graph_break()
        return x + 1
    return x - 1


case(static_branch_with_break, lambda: A(t(), True), lambda: A(t(1), False))


def break_then_try_except(x):
    y = x * 2
    torch._dynamo.graph_break()
    try:
        if y.shape[1] == 3:
            raise ValueError("caught after the break")
        y = y * 100
    except ValueError as e:
        LOG.append(str(e))
        y = y + 1
    return y


case(break_then_try_except, lambda: A(t()), lambda: A(t(1)))


def break_then_try_finally(x):
    y = x + 1
    print("  break_then_try_finally: print")
    try:
        y = y * 3
    finally:
        LOG.append("finally")
    return y


case(break_then_try_finally, lambda: A(t()), lambda: A(t(1)))


def countdown(x, n):
    while n > 0:
        yield x * n
        n -= 1


def user_generator_after_break(x):
    y = x - 1
    torch._dynamo.graph_break()
    return sum(countdown(y, 3))


case(user_generator_after_break, lambda: A(t()), lambda: A(t(1)))


def inner_breaks_under_no_grad(x):
    y = x * 2
    torch._dynamo.graph_break()
    return y + 1


def nested_break_in_no_grad(x):
    with torch.no_grad():
        a = inner_breaks_under_no_grad(x)
    b = x * 3
    LOG.append((a.requires_grad, b.requires_grad))
    return a, b


case(nested_break_in_no_grad, lambda: A(t().requires_grad_()), lambda: A(t(1).requires_grad_()))


def dict_of_results_with_item(x):
    stats = {"max": x.max(), "min": x.min()}
    spread = (stats["max"] - stats["min"]).item()
    LOG.append(spread)
    return {"spread": x / spread, **stats}


case(dict_of_results_with_item, lambda: A(t()), lambda: A(t(1)))
