// Kernels: free functions, forward and backward side by side, one file per layer.
//
// Legend (after llm.c): B = batch, T = time (context), C = channels (d_model), OC = output
// channels, V = vocabulary (256 bytes), NH = heads, hs = C / NH head size, F = MLP width,
// BT = B·T rows. Tensors are row-major Float32; shapes are written `(B, T, C)`.
//
// Conventions:
// - arguments: outputs and caches first, then inputs, then weights, then sizes;
// - a backward kernel ADDS into every gradient it touches (callers zero them), so gradients
//   from several uses of a tensor and from several micro-batches accumulate;
// - no kernel allocates; scratch space is passed in;
// - each fast kernel has a naive `…Reference` twin in Double on plain arrays, used by the tests
//   both as the finite-difference target and as the oracle for the fast kernel.
