"""`torch.optim`: optimizers and learning-rate schedules."""

from torch.optim.optimizer import Optimizer
from torch.optim.sgd import SGD
from torch.optim.adam import Adam
from torch.optim.adamw import AdamW
from torch.optim import lr_scheduler
