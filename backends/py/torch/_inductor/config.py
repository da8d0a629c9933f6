"""`torch._inductor.config`: the Inductor settings PyTorch code and tests commonly read or patch,
with PyTorch 2.15's names and defaults. smelt's JIT generates its code without them; they exist so
that code written against PyTorch can read and patch them."""

import os
import sys

from torch.utils._config_module import Config, install_config_module

debug = False
# Shared with torch.compiler.config (an alias: both names reach one value).
force_disable_caches: bool = Config(alias="torch.compiler.config.force_disable_caches")
# Generated code checks input sizes and strides.
size_asserts = os.environ.get("TORCHINDUCTOR_SIZE_ASSERTS", "1") == "1"
# Random ops run eagerly so compiled and eager results draw the same numbers.
fallback_random = False
freezing: bool = os.environ.get("TORCHINDUCTOR_FREEZING", "0") == "1"
max_autotune = os.environ.get("TORCHINDUCTOR_MAX_AUTOTUNE") == "1"
cpp_wrapper: bool = os.environ.get("TORCHINDUCTOR_CPP_WRAPPER", "0") == "1"


class triton:
    cudagraphs = os.environ.get("TORCHINDUCTOR_CUDAGRAPHS") == "1"


install_config_module(sys.modules[__name__])
