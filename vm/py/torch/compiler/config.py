"""`torch.compiler.config`: the user-facing compiler settings of PyTorch 2.15. Most are
aliases of `torch._dynamo.config` settings (reading or writing one reaches the other);
the rest are owned here."""

import sys

from torch.utils._config_module import Config, install_config_module

# Identifies the job for caches keyed per job.
job_id: str | None = Config(env_name_default=["TORCH_COMPILE_JOB_ID", "TORCH_COMPILE_STICKY_PGO_KEY"], default=None)
cache_key_tag: str = Config(env_name_default="TORCH_COMPILE_CACHE_KEY_TAG", default="")
# Turns every compile cache off; the environment variables win over a value set in code.
force_disable_caches: bool = Config(
    justknob="pytorch/remote_cache:force_disable_caches",
    env_name_force=["TORCHINDUCTOR_FORCE_DISABLE_CACHES", "TORCH_COMPILE_FORCE_DISABLE_CACHES"],
    default=False,
)
# Comma-separated source names ("L['x']") to compile as dynamic / unbacked / static.
dynamic_sources: str = Config(env_name_default="TORCH_COMPILE_DYNAMIC_SOURCES", default="")
unbacked_sources: str = Config(env_name_default="TORCH_COMPILE_UNBACKED_SOURCES", default="")
static_sources: str = Config(env_name_default="TORCH_COMPILE_STATIC_SOURCES", default="")

dynamic_shapes: bool = Config(alias="torch._dynamo.config.dynamic_shapes")
assume_static_by_default: bool = Config(alias="torch._dynamo.config.assume_static_by_default")
automatic_dynamic_shapes: bool = Config(alias="torch._dynamo.config.automatic_dynamic_shapes")
recompile_limit: int = Config(alias="torch._dynamo.config.recompile_limit")
accumulated_recompile_limit: int = Config(alias="torch._dynamo.config.accumulated_recompile_limit")
verbose: bool = Config(alias="torch._dynamo.config.verbose")
capture_scalar_outputs: bool = Config(alias="torch._dynamo.config.capture_scalar_outputs")
capture_dynamic_output_shape_ops: bool = Config(alias="torch._dynamo.config.capture_dynamic_output_shape_ops")
fail_on_recompile_limit_hit: bool = Config(alias="torch._dynamo.config.fail_on_recompile_limit_hit")
allow_unspec_int_on_nn_module: bool = Config(alias="torch._dynamo.config.allow_unspec_int_on_nn_module")

install_config_module(sys.modules[__name__])
