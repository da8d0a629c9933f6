"""AOT autograd's settings (PyTorch's torch._functorch.config names and defaults)."""

import sys

from torch.utils._config_module import install_config_module

cse = True
treat_parameters_as_free_to_save = True
max_dist_from_bw = 1000
ban_recompute_used_far_apart = True
ban_recompute_long_fusible_chains = True
ban_recompute_materialized_backward = True
ban_recompute_not_in_allowlist = True
ban_recompute_reductions = True
recompute_views = False
activation_memory_budget = 1.0
aggressive_recomputation = False
debug_partitioner = False

install_config_module(sys.modules[__name__])
