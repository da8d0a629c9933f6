"""`torch.utils`: hooks and checkpointing."""

from torch.utils import hooks
from torch.utils import checkpoint
