"""`torch.testing.assert_close`: compares tensors, numbers and nested sequences/mappings of
them, with per-dtype default tolerances and PyTorch's failure report."""

import collections.abc
import math

import torch

# (rtol, atol) by dtype; exact comparison for everything else.
_DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
}


def _tolerances(*dtypes):
    rtols, atols = zip(*(_DEFAULT_TOLERANCES.get(str(d).split(".")[-1], (0.0, 0.0)) for d in dtypes))
    return max(rtols), max(atols)


class _Failure(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


def _number_dtype(x):
    if isinstance(x, bool):
        return torch.bool
    if isinstance(x, int):
        return torch.int64
    return torch.float64


def _fmt(v):
    return repr(v) if isinstance(v, float) else str(v)


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype):
    if check_dtype and type(actual) is not type(expected):
        raise _Failure(AssertionError, f"The values for attribute 'type' do not match: {type(actual)} != {type(expected)}.")
    if rtol is None:
        rtol, atol = _tolerances(_number_dtype(actual), _number_dtype(expected))
    if actual == expected or (equal_nan and actual != actual and expected != expected):
        return
    diff = abs(actual - expected)
    if diff <= atol + rtol * abs(expected):
        return
    exact = rtol == 0 and atol == 0
    rel = diff / abs(expected) if expected != 0 else math.inf
    lines = [
        f"Scalars are not {'equal' if exact else 'close'}!",
        "",
        f"Expected {_fmt(expected)} but got {_fmt(actual)}.",
        f"Absolute difference: {_fmt(diff)}" + ("" if exact else f" (up to {atol} allowed)"),
        f"Relative difference: {_fmt(rel)}" + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    raise _Failure(AssertionError, "\n".join(lines))


def _unravel(flat, shape):
    index = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return tuple(reversed(index))


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride):
    if actual.shape != expected.shape:
        raise _Failure(AssertionError, f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}.")
    if check_dtype and actual.dtype != expected.dtype:
        raise _Failure(AssertionError, f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}.")
    if check_stride and actual.stride() != expected.stride():
        raise _Failure(AssertionError, f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}.")
    if rtol is None:
        rtol, atol = _tolerances(actual.dtype, expected.dtype)
    actual, expected = actual.detach(), expected.detach()
    if actual.dtype != expected.dtype:
        common = torch.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    if actual.dtype == torch.bool:
        actual, expected = actual.to(torch.uint8), expected.to(torch.uint8)
    if actual.numel() == 0:
        return
    close = torch.isclose(actual, expected, rtol, atol, equal_nan)
    if bool(close.all()):
        return
    if actual.dim() == 0:
        _compare_numbers(actual.item(), expected.item(), rtol, atol, equal_nan, False)
        return
    exact = rtol == 0 and atol == 0
    total = actual.numel()
    bad = total - int(close.sum().item())
    if actual.dtype.is_floating_point:
        abs_diff = (actual - expected).abs()
    else:
        abs_diff = (actual.to(torch.int64) - expected.to(torch.int64)).abs()
    rel_diff = abs_diff / expected.abs()
    flat_abs, flat_rel = abs_diff.reshape(-1), rel_diff.reshape(-1)
    i_abs = int(_nan_argmax(flat_abs))
    i_rel = int(_nan_argmax(flat_rel))
    lines = [
        f"Tensor-likes are not {'equal' if exact else 'close'}!",
        "",
        f"Mismatched elements: {bad} / {total} ({bad / total:.1%})",
        f"Greatest absolute difference: {_fmt(flat_abs[i_abs].item())} at index {_unravel(i_abs, list(actual.shape))}"
        + ("" if exact else f" (up to {atol} allowed)"),
        f"Greatest relative difference: {_fmt(flat_rel[i_rel].item())} at index {_unravel(i_rel, list(actual.shape))}"
        + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    raise _Failure(AssertionError, "\n".join(lines))


def _nan_argmax(t):
    # A NaN difference counts as the greatest, as in PyTorch's report.
    nan = t != t
    if bool(nan.any()):
        return nan.to(torch.uint8).argmax().item()
    return t.argmax().item()


def _is_number(x):
    return isinstance(x, (bool, int, float, complex))


def _compare(actual, expected, path, options):
    if isinstance(actual, torch.Tensor) and isinstance(expected, torch.Tensor):
        _compare_tensors(actual, expected, *options)
        return
    if _is_number(actual) and _is_number(expected):
        rtol, atol, equal_nan, check_dtype, _ = options
        _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype)
        return
    if actual is None and expected is None:
        return
    strings = (str, bytes)
    if (isinstance(actual, collections.abc.Sequence) and isinstance(expected, collections.abc.Sequence)
            and not isinstance(actual, strings) and not isinstance(expected, strings)):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare_item(a, e, path + [i], options)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            msg = "The keys of the mappings do not match:\n"
            if missing:
                msg += f"Missing keys in the actual mapping: {sorted(missing, key=str)}\n"
            if extra:
                msg += f"Extra keys in the actual mapping: {sorted(extra, key=str)}\n"
            raise _Failure(AssertionError, msg.rstrip("\n"))
        for k in expected:
            _compare_item(actual[k], expected[k], path + [k], options)
        return
    if type(actual) is type(expected) and actual == expected and not _is_number(actual):
        return
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _compare_item(a, e, path, options):
    try:
        _compare(a, e, path, options)
    except _Failure as f:
        if f.kind is AssertionError and "The failure occurred for item" not in f.message:
            where = "".join(f"[{k!r}]" for k in path)
            raise _Failure(f.kind, f.message + f"\n\nThe failure occurred for item {where}") from None
        raise


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False, check_device=True,
                 check_dtype=True, check_layout=True, check_stride=False, msg=None):
    __tracebackhide__ = True
    if (rtol is None) != (atol is None):
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}."
        )
    try:
        _compare(actual, expected, [], (rtol, atol, equal_nan, check_dtype, check_stride))
    except _Failure as f:
        if msg is not None and f.kind is AssertionError:
            text = msg(f.message) if callable(msg) else msg
            raise AssertionError(text) from None
        raise f.kind(f.message) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    if not isinstance(actual, torch.Tensor):
        actual = torch.tensor(actual)
    if not isinstance(expected, torch.Tensor):
        expected = torch.tensor(expected, dtype=actual.dtype)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if dtype == torch.bool:
        t = torch.randint(0, 2, shape).to(torch.bool)
    elif not dtype.is_floating_point:
        lo = -9 if low is None else int(math.ceil(low))
        hi = 10 if high is None else int(math.ceil(high))
        if dtype == torch.uint8:
            lo = max(lo, 0)
        t = torch.randint(lo, hi, shape, dtype=dtype)
    else:
        lo = -9.0 if low is None else low
        hi = 9.0 if high is None else high
        t = (torch.rand(shape, dtype=torch.float64) * (hi - lo) + lo).to(dtype)
    if exclude_zero:
        t = torch.where(t == 0, torch.ones((), dtype=dtype), t)
    if requires_grad:
        t.requires_grad_(True)
    return t
