"""How tensors print: the layout and number formatting of PyTorch's `repr(tensor)`.

Floats print with `precision` digits in fixed notation, or in scientific notation when the
magnitudes of the non-zero finite values span more than 1000x, exceed 1e8 or go below 1e-4;
floats that are all whole numbers print as `1.`; large tensors are summarised to
`edgeitems` values per edge with `...`.
"""

import math

import torch


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _Options()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    if profile is not None:
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    return {
        "precision": PRINT_OPTS.precision,
        "threshold": PRINT_OPTS.threshold,
        "edgeitems": PRINT_OPTS.edgeitems,
        "linewidth": PRINT_OPTS.linewidth,
        "sci_mode": PRINT_OPTS.sci_mode,
    }


def _shown_values(t, summarize, out):
    """The values that will be printed, in order (edges only when summarising)."""
    if t.dim() == 0:
        out.append(t.item())
        return
    n = t.shape[0]
    edge = PRINT_OPTS.edgeitems
    rows = list(range(edge)) + list(range(n - edge, n)) if summarize and n > 2 * edge else range(n)
    if t.dim() == 1:
        values = t.tolist()
        out.extend(values[i] for i in rows)
        return
    for i in rows:
        _shown_values(t[i], summarize, out)


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        p = PRINT_OPTS.precision
        if not floating:
            self.width = max([len(str(v)) for v in values] + [1])
            return
        finite = [v for v in values if math.isfinite(v) and v != 0]
        if finite:
            magnitudes = [abs(v) for v in finite]
            lo, hi = min(magnitudes), max(magnitudes)
            self.int_mode = all(v == math.ceil(v) for v in finite)
            if self.int_mode:
                if hi / lo > 1000.0 or hi > 1.0e8:
                    self.sci_mode = True
                    self.width = max(len(f"{v:.{p}e}") for v in finite)
                else:
                    self.width = max(len(f"{v:.0f}") + 1 for v in finite)
            elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                self.width = max(len(f"{v:.{p}e}") for v in finite)
            else:
                self.width = max(len(f"{v:.{p}f}") for v in finite)
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def format(self, value):
        p = PRINT_OPTS.precision
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{p}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{p}f}"
        return " " * (self.width - len(text)) + text


def _vector(t, indent, summarize, fmt):
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width + 2))))
    values = t.tolist()
    edge = PRINT_OPTS.edgeitems
    if summarize and len(values) > 2 * edge:
        items = [fmt.format(v) for v in values[:edge]] + [" ..."] + [fmt.format(v) for v in values[-edge:]]
    else:
        items = [fmt.format(v) for v in values]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(t, indent, summarize, fmt):
    dim = t.dim()
    if dim == 0:
        return fmt.format(t.item())
    if dim == 1:
        return _vector(t, indent, summarize, fmt)
    n = t.shape[0]
    edge = PRINT_OPTS.edgeitems
    if summarize and n > 2 * edge:
        parts = [_nested(t[i], indent + 1, summarize, fmt) for i in range(edge)]
        parts.append("...")
        parts += [_nested(t[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
    else:
        parts = [_nested(t[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text, suffixes, indent):
    pieces = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def _str(t, tensor_contents=None, prefix="tensor("):
    indent = len(prefix)
    suffixes = []
    if str(t.device) != "cpu":
        suffixes.append(f"device='{t.device}'")
    default_dtypes = (torch.get_default_dtype(), torch.int64, torch.bool)
    if t._device == "meta":
        # No values to show.
        suffixes.append("size=" + str(tuple(t.shape)))
        if t.dtype != torch.get_default_dtype():
            suffixes.append("dtype=" + str(t.dtype))
        body = "..."
    elif t.numel() == 0:
        if t.dim() != 1:
            suffixes.append("size=" + str(tuple(t.shape)))
        if t.dtype != torch.get_default_dtype():
            suffixes.append("dtype=" + str(t.dtype))
        body = "[]"
    else:
        if t.dtype not in default_dtypes:
            suffixes.append("dtype=" + str(t.dtype))
        summarize = t.numel() > PRINT_OPTS.threshold
        shown = []
        _shown_values(t, summarize, shown)
        body = _nested(t, indent, summarize, _Formatter(shown, t.dtype.is_floating_point))
    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if tensor_contents is not None:
        body = tensor_contents
    return _with_suffixes(prefix + body, suffixes, indent)
