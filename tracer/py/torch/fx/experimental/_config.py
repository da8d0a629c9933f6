"""Settings of the ShapeEnv (`torch.fx.experimental._config`), with PyTorch 2.15's names."""

import os
import sys

from torch.utils._config_module import install_config_module

# Equal sizes share one symbol ("duck sizing").
use_duck_shape = os.environ.get("TORCHDYNAMO_USE_DUCK_SHAPE", "1") == "1"

install_config_module(sys.modules[__name__])
