"""Helpers PyTorch's own tests use to compare printed graphs."""

import re

_COMMENT_LINE = re.compile(r"(?m)^ *#.*\n?")


def strip_comment(code):
    """Drops whole-line comments (stack-trace comments name files that differ per machine)."""
    return _COMMENT_LINE.sub("", code)


def remove_trailing_space(code):
    return "\n".join(line.rstrip() for line in code.split("\n"))


def _squash_blank_lines(code):
    out = []
    previous_blank = False
    for line in code.split("\n"):
        blank = not line.strip()
        if not (blank and previous_blank):
            out.append(line)
        previous_blank = blank
    return "\n".join(out)


def normalize_gm(gm_str):
    """A printed graph module without comments, trailing spaces or runs of blank lines."""
    return _squash_blank_lines(remove_trailing_space(strip_comment(gm_str)))


def empty_line_normalizer(code):
    return re.sub(r"[\r\n]+", "\n", code)


class CompileCounter:
    """A backend that counts compiled frames and the operations in their graphs (every
    call_function/call_method/call_module node), then runs the graph as is."""

    def __init__(self):
        self.frame_count = 0
        self.op_count = 0

    def __call__(self, gm, example_inputs):
        self.frame_count += 1
        for node in gm.graph.nodes:
            if "call" in node.op:
                self.op_count += 1
        return gm.forward

    def clear(self):
        self.frame_count = 0
        self.op_count = 0


class CompileCounterWithBackend:
    def __init__(self, backend):
        from torch._dynamo.backends.registry import lookup_backend

        self.frame_count = 0
        self.op_count = 0
        self.backend = backend
        self.graphs = []
        self._lookup = lookup_backend

    def __call__(self, gm, example_inputs):
        self.frame_count += 1
        for node in gm.graph.nodes:
            if "call" in node.op:
                self.op_count += 1
        self.graphs.append(gm)
        return self._lookup(self.backend)(gm, example_inputs)

    def clear(self):
        self.frame_count = 0
        self.op_count = 0
        self.graphs = []


class EagerAndRecordGraphs:
    """A backend that keeps every graph it is given (`.graphs`) and runs it as is."""

    def __init__(self):
        self.graphs = []

    def __call__(self, gm, example_inputs):
        self.graphs.append(gm)
        return gm.forward


class AotEagerAndRecordGraphs:
    """The aot_eager backend keeping every graph: Dynamo's (`graphs`), and AOT autograd's forward
    (or inference) and backward graphs (`fw_graphs`, `bw_graphs`)."""

    def __init__(self):
        self.graphs = []
        self.fw_graphs = []
        self.bw_graphs = []

    def __call__(self, gm, example_inputs):
        from torch._dynamo.backends.debugging import aot_eager

        self.graphs.append(gm)

        def fw_compiler(gm, example_inputs):
            self.fw_graphs.append(gm)
            return gm.forward

        def bw_compiler(gm, example_inputs):
            self.bw_graphs.append(gm)
            return gm.forward

        return aot_eager(gm, example_inputs, fw_compiler=fw_compiler, bw_compiler=bw_compiler)


def same(ref, res, fp64_ref=None, cos_similarity=False, tol=1e-4, equal_nan=False, exact_dtype=True,
         relax_numpy_equality=False, ignore_non_fp=False, log_error=None, use_larger_multiplier_for_smaller_tensor=False,
         force_max_multiplier=False, use_iou_for_bool=False, iou_threshold=0.99):
    """Whether two results agree: tensors within `tol`, containers element by element."""
    import torch

    if isinstance(ref, (list, tuple)):
        return isinstance(res, (list, tuple)) and len(ref) == len(res) and all(
            same(a, b, tol=tol, equal_nan=equal_nan, exact_dtype=exact_dtype) for a, b in zip(ref, res))
    if isinstance(ref, dict):
        return isinstance(res, dict) and set(ref) == set(res) and all(
            same(ref[k], res[k], tol=tol, equal_nan=equal_nan, exact_dtype=exact_dtype) for k in ref)
    if isinstance(ref, torch.Tensor):
        if not isinstance(res, torch.Tensor) or ref.shape != res.shape:
            return False
        if exact_dtype and ref.dtype != res.dtype:
            return False
        if ref.dtype.is_floating_point:
            return bool(torch.allclose(ref.double(), res.double(), rtol=tol, atol=tol, equal_nan=equal_nan))
        return bool(torch.equal(ref, res))
    if isinstance(ref, float):
        return isinstance(res, (int, float)) and abs(ref - res) <= tol * max(1.0, abs(ref))
    return ref == res
