//! smelt's recording side. It will hold the graph IR with FX-compatible printing, the op
//! registry (schema, shape/dtype rule, derivative, lowering class for every op), symbolic
//! shapes, the bytecode tracer (variables, guards, cache, resume functions) and AOT autograd.
//! See ARCHITECTURE.md for which of these exist yet.
