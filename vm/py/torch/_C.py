"""`torch._C`: the native module, implemented in Rust by smelt as `_smelt`."""

import _smelt

# Private names too: the Python layer calls the native primitives (`_tensor`, `_binary`, ...).
globals().update({k: v for k, v in vars(_smelt).items() if not (k.startswith("__") and k.endswith("__"))})
_smelt_version = _smelt.__version__
_rustpython_version = _smelt.rustpython_version
del _smelt

import types as _types

# `torch._C._nn`: the functions PyTorch binds from C++ for torch.nn.functional (linear, gelu ...).
# torch/nn/functional.py fills it with smelt's implementations, which print under these names.
_nn = _types.ModuleType("torch._C._nn")
del _types
