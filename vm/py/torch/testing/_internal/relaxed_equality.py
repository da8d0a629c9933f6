"""The comparison behind PyTorch's `TestCase.assertEqual`.

It is looser than `torch.testing.assert_close` where tests rely on that:
  * numbers compare across types (1 == 1.0, True == 1) and against one-element tensors,
    with float32's tolerances for Python floats;
  * a tensor compared with a list or tuple is compared with that sequence made into a tensor;
  * None, strings, sets, types and any other objects are compared with `==`, failing with
    unittest's message for them.
Containers (sequences, mappings, nn containers) are walked item by item. Their structure is
checked first, everywhere, before any values are (as PyTorch does), so a length mismatch deep
inside is reported even when an earlier value also differs.
"""

import cmath
import collections.abc
import enum
import unittest

import torch
from torch.testing import assert_close
from torch.testing._comparison import _tolerances

# Tolerances of Python numbers: ints are exact, floats and complexes use float32's
# (as PyTorch's RelaxedNumberPair does).
_NUMBER_TOLERANCES = {int: (0.0, 0.0), float: (1.3e-6, 1e-5), complex: (1.3e-6, 1e-5)}


class Mismatch(Exception):
    """A failed comparison: the exception type to raise, its text, and where in the nesting."""

    def __init__(self, kind, message, path=()):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.path = path

    def text(self):
        if not self.path:
            return self.message
        where = "".join(str([item]) for item in self.path)
        return f"{self.message}\n\nThe failure occurred for item {where}"


class _Unsupported(Exception):
    """This comparison rule does not apply to the inputs; try the next one."""


def _sequence_types():
    nn = torch.nn
    return (collections.abc.Sequence, nn.Sequential, nn.ModuleList, nn.ParameterList)


def _mapping_types():
    nn = torch.nn
    return (collections.abc.Mapping, nn.ModuleDict, nn.ParameterDict)


def _leaves(actual, expected, path, sequences, mappings, out):
    """Collects the (actual, expected, path) pairs to compare; raises on structural mismatch."""
    if (isinstance(actual, sequences) and not isinstance(actual, str)
            and isinstance(expected, sequences) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                           path)
        for i in range(len(actual)):
            _leaves(actual[i], expected[i], path + (i,), sequences, mappings, out)
    elif isinstance(actual, mappings) and isinstance(expected, mappings):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise Mismatch(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(expected_keys - actual_keys)}\n"
                f"Additional keys in the actual mapping: {sorted(actual_keys - expected_keys)}",
                path,
            )
        keys = actual_keys
        try:
            keys = sorted(keys)
        except Exception:
            pass
        for key in keys:
            _leaves(actual[key], expected[key], path + (key,), sequences, mappings, out)
    else:
        out.append((actual, expected, path))


def _single_item(value, what, path):
    numel = value.numel()
    if numel > 1:
        raise Mismatch(ValueError, f"Only single element tensor-likes can be compared against a {what}. "
                                   f"Got {numel} elements instead.", path)
    return value.item()


def _compare_none(actual, expected, path, options):
    if actual is not None and expected is not None:
        raise _Unsupported
    if not (actual is None and expected is None):
        raise Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)


def _compare_bools(actual, expected, path, options):
    others = (bool, int, float, complex, torch.Tensor)
    if not ((isinstance(actual, bool) and isinstance(expected, others))
            or (isinstance(expected, bool) and isinstance(actual, others))):
        raise _Unsupported

    def to_bool(value):
        if isinstance(value, torch.Tensor):
            return bool(_single_item(value, "boolean", path))
        return bool(value)

    actual, expected = to_bool(actual), to_bool(expected)
    if actual is not expected:
        raise Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)


def _compare_numbers(actual, expected, path, options):
    numbers = (int, float, complex)
    if not ((isinstance(actual, numbers) and isinstance(expected, numbers + (torch.Tensor,)))
            or (isinstance(expected, numbers) and isinstance(actual, numbers + (torch.Tensor,)))):
        raise _Unsupported

    def to_number(value):
        if isinstance(value, torch.Tensor):
            item = _single_item(value, "number", path)
            return int(item) if isinstance(item, bool) else item
        if isinstance(value, enum.Enum):
            return int(value)
        if type(value) not in _NUMBER_TOLERANCES:
            raise _Unsupported
        return value

    actual, expected = to_number(actual), to_number(expected)
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None and atol is None:
        pairs = [_NUMBER_TOLERANCES[type(actual)], _NUMBER_TOLERANCES[type(expected)]]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    elif rtol is None or atol is None:
        raise Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                                   f"but got no {'rtol' if rtol is None else 'atol'}.", path)
    rtol, atol = max(rtol, options["rtol_override"]), max(atol, options["atol_override"])
    if actual == expected or (options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected)):
        return
    abs_diff = abs(actual - expected)
    if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    exact = rtol == 0 and atol == 0
    lines = [
        f"Scalars are not {'equal' if exact else 'close'}!",
        "",
        f"Expected {expected} but got {actual}.",
        f"Absolute difference: {abs_diff}" + ("" if exact else f" (up to {atol} allowed)"),
        f"Relative difference: {rel_diff}" + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    raise Mismatch(AssertionError, "\n".join(lines), path)


def _compare_tensors(actual, expected, path, options):
    if not (isinstance(actual, torch.Tensor) and isinstance(expected, torch.Tensor)):
        raise _Unsupported
    rtol, atol = options["rtol"], options["atol"]
    if options["rtol_override"] or options["atol_override"]:
        # The test class raised the floor of the tolerances (TestCase.precision / rel_tol).
        if rtol is None and atol is None:
            rtol, atol = _tolerances(actual.dtype, expected.dtype)
        if rtol is not None and atol is not None:
            rtol, atol = max(rtol, options["rtol_override"]), max(atol, options["atol_override"])
    try:
        assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=options["equal_nan"],
                     check_dtype=options["exact_dtype"], check_device=options["exact_device"],
                     check_stride=options["exact_stride"])
    except (AssertionError, ValueError, TypeError, RuntimeError) as e:
        raise Mismatch(type(e), str(e), path) from None


def _unittest_rule(classes, title):
    """Compares with unittest's own assertEqual, which has good messages for these types."""

    def compare(actual, expected, path, options):
        if not (isinstance(actual, classes) and isinstance(expected, classes)):
            raise _Unsupported
        try:
            unittest.TestCase().assertEqual(actual, expected)
        except AssertionError as e:
            raise Mismatch(AssertionError, f"{title} comparison failed: {e}", path) from None

    return compare


_RULES = (
    _compare_none,
    _compare_bools,
    _compare_numbers,
    _compare_tensors,
    _unittest_rule((str, bytes), "String"),
    _unittest_rule(set, "Set"),
    _unittest_rule(type, "Type"),
    _unittest_rule(object, "Object"),
)


def find_mismatch(actual, expected, *, rtol=None, atol=None, equal_nan=True, exact_dtype=True, exact_device=False,
                  exact_stride=False, rtol_override=0.0, atol_override=0.0):
    """The first Mismatch between `actual` and `expected`, or None when they are equal."""
    options = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, exact_dtype=exact_dtype, exact_device=exact_device,
                   exact_stride=exact_stride, rtol_override=rtol_override, atol_override=atol_override)
    leaves = []
    try:
        _leaves(actual, expected, (), _sequence_types(), _mapping_types(), leaves)
        for a, e, path in leaves:
            for rule in _RULES:
                try:
                    rule(a, e, path, options)
                except _Unsupported:
                    continue
                break
    except Mismatch as mismatch:
        return mismatch
    return None
