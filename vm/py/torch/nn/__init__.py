"""`torch.nn` (its modules arrive with the nn issue; `functional` holds the eager ops)."""

from torch.nn import functional
