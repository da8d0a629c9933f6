"""torch._inductor: only its settings (`torch._inductor.config`) exist; smelt has no Inductor
code generator, so nothing here compiles."""

from torch._inductor import config
