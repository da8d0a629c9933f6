"""`torch.nn`: modules, parameters, functional forms and initialisers."""

from torch.nn.parameter import Parameter, Buffer
from torch.nn import functional
from torch.nn import init
from torch.nn.modules import *  # noqa: F401,F403
from torch.nn import modules
from torch.nn import utils
