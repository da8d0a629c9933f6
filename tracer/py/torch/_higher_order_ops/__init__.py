"""Higher-order operators: graph nodes that call a sub-graph (`torch.ops.higher_order.*`)."""

from torch._higher_order_ops.wrap import tag_activation_checkpoint  # noqa: F401
