# Every aten operator smelt registers, run on real tensors and on fake ones (FakeTensorMode:
# metadata only, no data): the fake result must have the real result's shape, dtype, strides
# and device. Runs unchanged under PyTorch, whose output is the .expected file.
import torch
import torch.nn.functional as F
from torch._subclasses.fake_tensor import FakeTensorMode, FakeTensor

aten = torch.ops.aten
torch.manual_seed(0)


def r(*shape, dtype=torch.float32):
    return torch.randn(*shape).to(dtype)


def i(*shape, high=3):
    return torch.randint(0, high, shape)


def b(*shape):
    return torch.randn(*shape) > 0


x, y = r(3, 4), r(3, 4)
CASES = {}


def case(op, *args, **kwargs):
    CASES.setdefault(str(op.overloadpacket), []).append((op, args, kwargs))


for name in ["neg", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
             "sigmoid", "relu", "erf", "floor", "ceil", "round", "trunc", "sign", "reciprocal", "silu"]:
    case(getattr(aten, name).default, x)
case(aten.abs.default, i(3, 4))
case(aten.sqrt.default, i(3, 4))
case(aten.logical_not.default, b(3))
case(aten.bitwise_not.default, i(5))
case(aten.gelu.default, x)
case(aten.gelu.default, x, approximate="tanh")
for name in ["add", "sub", "mul", "div", "eq", "ne", "lt", "le", "gt", "ge", "remainder"]:
    case(getattr(aten, name).Tensor, x, r(4))
    case(getattr(aten, name).Tensor, i(2, 1), r(3, dtype=torch.float64))
for name in ["eq", "ne", "lt", "le", "gt", "ge", "remainder"]:
    case(getattr(aten, name).Scalar, x, 0.5)
case(aten.add.Tensor, i(3), 2.5)
case(aten.mul.Tensor, i(3), 2)
case(aten.div.Tensor, i(3), 2)
case(aten.add.Tensor, x, y, alpha=2)
case(aten.sub.Tensor, x, y, alpha=2)
for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
    case(getattr(aten, name).Tensor, i(4), i(4))
    case(getattr(aten, name).Scalar, i(4), 3)
for name in ["maximum", "minimum", "atan2", "logical_and", "logical_or", "logical_xor", "floor_divide"]:
    case(getattr(aten, name).default, x, r(3, 1))
case(aten.floor_divide.Scalar, i(4), 2)
case(aten.pow.Tensor_Tensor, x, y)
case(aten.pow.Tensor_Scalar, x, 2)
case(aten.pow.Scalar, 2, x)
case(aten.rsub.Scalar, x, 2)
case(aten.rsub.Tensor, x, y)
for name in ["add_", "sub_", "mul_", "div_"]:
    case(getattr(aten, name).Tensor, x.clone(), y)
for name in ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "remainder_"]:
    case(getattr(aten, name).Tensor, x.clone(), y)
    case(getattr(aten, name).Scalar, x.clone(), 0.0)
for name in ["bitwise_and_", "bitwise_or_", "bitwise_xor_"]:
    case(getattr(aten, name).Tensor, i(4), i(4))
    case(getattr(aten, name).Scalar, i(4), 1)
for name in ["maximum_", "minimum_", "atan2_", "logical_and_", "logical_or_", "logical_xor_", "floor_divide_"]:
    pass  # not in-place ops in PyTorch's registry; smelt does not register them either
case(aten.pow_.Tensor, x.clone(), y)
case(aten.pow_.Scalar, x.clone(), 2)

for name, dim_overload in [("sum", "dim_IntList"), ("mean", "dim")]:
    packet = getattr(aten, name)
    case(packet.default, x)
    case(getattr(packet, dim_overload), x, [0])
    case(getattr(packet, dim_overload), r(2, 3, 4), [0, 2], True)
case(aten.sum.default, i(3, 4))
case(aten.sum.default, b(3, 4))
case(aten.sum.dim_IntList, x, [1], dtype=torch.float64)
case(aten.prod.default, x)
case(aten.prod.dim_int, x, 1, True)
for name in ["all", "any"]:
    case(getattr(aten, name).default, b(3, 4))
    case(getattr(aten, name).dim, b(3, 4), 1)
    case(getattr(aten, name).dims, b(3, 4), [0, 1], True)
case(aten.amax.default, x, [0])
case(aten.amin.default, x, [1], True)

case(aten.mm.default, x, r(4, 5))
case(aten.bmm.default, r(2, 3, 4), r(2, 4, 5))
case(aten.matmul.default, r(4), r(2, 4, 5))
case(aten.matmul.default, r(2, 1, 3, 4), r(5, 4, 2))
case(aten.dot.default, r(4), r(4))
case(aten.mv.default, r(3, 4), r(4))
case(aten.addmm.default, r(5), x, r(4, 5))

case(aten.view.default, x, [2, 6])
case(aten.view.default, x, [-1])
case(aten._unsafe_view.default, x, [4, 3])
case(aten.transpose.int, r(2, 3, 4), 0, 2)
case(aten.t.default, x)
case(aten.permute.default, r(2, 3, 4), [2, 0, 1])
case(aten.expand.default, r(3, 1), [2, 3, 4])
case(aten.squeeze.default, r(1, 3, 1))
case(aten.squeeze.dim, r(1, 3, 1), 2)
case(aten.unsqueeze.default, x, -1)
case(aten.select.int, x, 1, -1)
case(aten.slice.Tensor, x, 1, 1, 3)
case(aten.slice.Tensor, x, 0, 0, 9223372036854775807, 2)
case(aten.as_strided.default, x, [2, 2], [1, 4], 1)
case(aten.clone.default, x.t())
case(aten.clone.default, x.t(), memory_format=torch.contiguous_format)
case(aten._to_copy.default, x, dtype=torch.float16)
case(aten._to_copy.default, i(3), dtype=torch.float64)

case(aten.cat.default, [x, y])
case(aten.cat.default, [x, r(3, 2, dtype=torch.float64)], 1)
case(aten.cumsum.default, x, 1)
case(aten.cumsum.default, i(5), 0)
case(aten.max.dim, x, 1)
case(aten.min.dim, x, 0, True)
case(aten.sort.default, x)
case(aten.sort.default, x, 0, True)
case(aten.index_select.default, x, 1, torch.tensor([0, 2, 2]))
case(aten.gather.default, x, 1, i(3, 2))
case(aten.where.self, b(3, 4), x, r(4))
case(aten.index.Tensor, x, [torch.tensor([0, 2])])
case(aten.index.Tensor, r(3, 4, 5), [None, torch.tensor([[0, 1], [2, 3]])])
case(aten.index.Tensor, r(3, 4, 5), [torch.tensor([0, 1]), None, torch.tensor([2, 3])])
case(aten.index_put_.default, x.clone(), [torch.tensor([0, 2])], r(4))
case(aten.index_put_.default, x.clone(), [torch.tensor([0, 0])], r(2, 4), True)
case(aten.scatter_.src, x.clone(), 1, i(3, 2), r(3, 2))
case(aten.copy_.default, x.clone(), r(4))
case(aten.fill_.Scalar, x.clone(), 2.5)
case(aten.fill_.Tensor, x.clone(), torch.tensor(2.5))
case(aten.index_put.default, x, [torch.tensor([0, 2])], r(4))
case(aten.scatter.src, x, 1, i(3, 2), r(3, 2))
case(aten.copy.default, x, r(4))
case(aten.fill.Scalar, x, 2.5)
case(aten.fill.Tensor, x, torch.tensor(2.5))
case(aten.detach.default, x)
case(aten.threshold_backward.default, x, y, 0)
case(aten.sigmoid_backward.default, x, y)
case(aten.tanh_backward.default, x, y)
case(aten._softmax_backward_data.default, x, y, 1, torch.float32)
case(aten._log_softmax_backward_data.default, x, y, 0, torch.float32)
case(aten.gelu_backward.default, x, y)
case(aten.gelu_backward.default, x, y, approximate="tanh")
case(aten.silu_backward.default, x, y)
case(aten.embedding_dense_backward.default, r(3, 2, 4), i(3, 2, high=5), 5, -1, False)
case(aten.mse_loss_backward.default, torch.tensor(0.5), x, y, 1)
case(aten.sgn.default, x)
case(aten.scalar_tensor.default, 2.5, dtype=torch.float32)
case(aten.select_backward.default, r(4), [3, 4], 0, 1)
case(aten.slice_backward.default, r(3, 2), [3, 4], 1, 1, 3, 1)

case(aten.zeros.default, [2, 3])
case(aten.ones.default, [4], dtype=torch.int64)
case(aten.empty.memory_format, [2, 2])
case(aten.full.default, [2, 3], 7)
case(aten.zeros_like.default, i(3))
case(aten.ones_like.default, x, dtype=torch.float64)
case(aten.empty_like.default, x)
case(aten.full_like.default, x, 3.0)

case(aten._softmax.default, x, 1, False)
case(aten._log_softmax.default, r(2, 3, 4), 0, False)
case(aten.native_layer_norm.default, r(2, 3, 4), [4], r(4), r(4), 1e-5)
case(aten.native_layer_norm.default, r(2, 3, 4), [3, 4], None, None, 1e-5)
case(aten.native_layer_norm_backward.default, r(2, 3, 4), r(2, 3, 4), [4], r(2, 3, 1), r(2, 3, 1), r(4), r(4),
     [True, True, True])
case(aten.native_layer_norm_backward.default, r(2, 3, 4), r(2, 3, 4), [3, 4], r(2, 1, 1), r(2, 1, 1), None, None,
     [True, False, False])
case(aten.clamp.default, x, -0.5, 0.5)
case(aten.clamp.default, i(5), 1)
case(aten.clamp_min.default, x, 0.0)
case(aten.clamp_max.default, x, 0.0)
case(aten.mse_loss.default, x, y)
case(aten.mse_loss.default, x, y, 0)
case(aten.nll_loss_forward.default, F.log_softmax(x, 1), torch.tensor([0, 3, 1]), None, 1, -100)
case(aten.nll_loss_forward.default, F.log_softmax(x, 1), torch.tensor([0, 3, 1]), None, 0, -100)
case(aten.binary_cross_entropy.default, torch.rand(3, 4), torch.rand(3, 4))
case(aten.binary_cross_entropy_with_logits.default, x, torch.rand(3, 4), None, None, 2)
case(aten.embedding.default, r(10, 3), i(2, 4, high=10))
case(aten.leaky_relu.default, x, 0.2)
case(aten.elu.default, x)
case(aten.softplus.default, x, 2.0, 10.0)
case(aten.hardtanh.default, x, -0.5, 0.5)
case(aten.smooth_l1_loss.default, x, y, 1, 0.5)
case(aten.constant_pad_nd.default, x, [1, 2], 0.5)
case(aten.constant_pad_nd.default, r(2, 3, 4), [1, 1, 2, 0])
case(aten.reflection_pad1d.default, r(2, 3, 4), [1, 2])
case(aten.reflection_pad2d.default, r(1, 2, 3, 4), [1, 1, 2, 2])
case(aten.reflection_pad3d.default, r(1, 2, 3, 4, 5), [1, 1, 1, 1, 1, 1])
case(aten.replication_pad1d.default, r(2, 3, 4), [2, 0])
case(aten.replication_pad2d.default, r(1, 2, 3, 4), [0, 1, 2, 3])
case(aten.replication_pad3d.default, r(1, 2, 3, 4, 5), [1, 0, 1, 0, 1, 0])
case(aten._adaptive_avg_pool2d.default, r(1, 2, 6, 5), [3, 2])
case(aten.convolution.default, r(2, 3, 8, 8), r(4, 3, 3, 3), r(4), [1, 1], [1, 1], [1, 1], False, [0, 0], 1)
case(aten.convolution.default, r(1, 4, 9), r(4, 2, 3), None, [2], [0], [2], False, [0], 2)
case(aten._scaled_dot_product_flash_attention_for_cpu.default, r(2, 3, 5, 4), r(2, 3, 6, 4), r(2, 3, 6, 4))
_q, _k, _v = r(2, 3, 5, 4), r(2, 3, 6, 4), r(2, 3, 6, 4)
_o, _lse = aten._scaled_dot_product_flash_attention_for_cpu.default(_q, _k, _v, 0.0, True)
case(aten._scaled_dot_product_flash_attention_for_cpu_backward.default, r(2, 3, 5, 4), _q, _k, _v, _o, _lse, 0.0, True)

case(aten.sym_size.int, x, 1)
case(aten.sym_numel.default, x)
case(aten.sym_stride.int, x, 0)
case(aten._assert_scalar.default, True, "holds")


def describe(v):
    if isinstance(v, torch.Tensor):
        return f"{list(v.shape)} {v.dtype} {list(v.stride())} {v.device}"
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(describe(e) for e in v) + ")"
    return repr(v)


def kinds(v):
    if isinstance(v, torch.Tensor):
        return type(v).__name__
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(kinds(e) for e in v) + ")"
    return type(v).__name__


def fakeify(mode, v):
    if isinstance(v, torch.Tensor):
        return mode.from_tensor(v)
    if isinstance(v, (list, tuple)):
        return type(v)(fakeify(mode, e) for e in v)
    return v


mismatches = 0
for packet in sorted(CASES):
    for op, args, kwargs in CASES[packet]:
        real_args = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
        real = op(*real_args, **kwargs)
        mode = FakeTensorMode()
        with mode:
            fake = op(*fakeify(mode, args), **kwargs)
        same = describe(real) == describe(fake)
        mismatches += not same
        print(f"{op}: {describe(real)}{'' if same else '  FAKE GAVE ' + describe(fake)}  [{kinds(fake)}]")

# Everything smelt registers must be covered above (under PyTorch the registry is far larger,
# so this compares against the list itself).
# Ops whose output depends on the data: a fake tensor cannot run them (without a ShapeEnv that
# allows unbacked sizes); PyTorch's exceptions say which op.
DATA_DEPENDENT = {"aten.nonzero": (aten.nonzero.default, r(4)),
                  "aten._local_scalar_dense": (aten._local_scalar_dense.default, i(1))}
for packet, (op, arg) in DATA_DEPENDENT.items():
    mode = FakeTensorMode()
    try:
        with mode:
            op(mode.from_tensor(arg))
        print(op, "ran on a fake")
    except Exception as e:
        print(f"{op}: {type(e).__name__}({e})")

registered = sorted("aten." + p for p in getattr(aten, "_packets", ())) or sorted(CASES)
print("aten packets without a case:", [p for p in registered if p not in CASES and p not in DATA_DEPENDENT])
print("mismatches:", mismatches)

# The same through the Python API, for smelt primitives that are not single aten ops here.
mode = FakeTensorMode()
img = mode.from_tensor(torch.randn(2, 3, 8, 8))
with mode:
    outs = [
        F.max_pool2d(img, 2),
        F.max_pool2d(img, 3, stride=2, padding=1, ceil_mode=True),
        F.avg_pool2d(img, 3, stride=2, padding=1),
        F.pad(img, [1, 2, 3, 0], mode="circular"),
        F.conv2d(img, torch.randn(4, 3, 3, 3), padding="same"),
        F.linear(img, torch.randn(5, 8)),
        F.cross_entropy(img.flatten(1), torch.tensor([1, 0])),
        torch.nn.LayerNorm(8)(img),
    ]
for o in outs:
    print(type(o).__name__, list(o.shape), o.dtype, o.device)

# Meta tensors: no values to copy out, and a fake mode leaves the caller's tensor as it was.
m = torch.zeros(2, 3, device="meta")
try:
    m.to("cpu")
except NotImplementedError as e:
    print("NotImplementedError:", e)
with FakeTensorMode(allow_non_fake_inputs=True):
    out = m + 1
print(type(m).__name__, type(out).__name__, list(out.shape))
