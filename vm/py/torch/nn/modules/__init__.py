"""The layers of torch.nn, one file per family, as PyTorch lays them out (pickled modules name
these paths)."""

from torch.nn.modules.module import Module
from torch.nn.modules.container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from torch.nn.modules.linear import Identity, Linear
from torch.nn.modules.activation import (
    ReLU, ReLU6, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax, LeakyReLU, ELU, Mish, Softplus, Hardtanh,
)
from torch.nn.modules.normalization import LayerNorm, RMSNorm
from torch.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d
from torch.nn.modules.dropout import Dropout
from torch.nn.modules.sparse import Embedding
from torch.nn.modules.flatten import Flatten, Unflatten
from torch.nn.modules.conv import Conv1d, Conv2d
from torch.nn.modules.pooling import MaxPool2d, AvgPool2d, AdaptiveAvgPool2d
from torch.nn.modules.loss import (
    L1Loss, MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss, HuberLoss,
)
