/// One compiled copy of the engine's SIMD kernels, as one type.
///
/// The kernel sources (Sources/EngineKernels) are compiled once per CPU target: `EngineKernels` for the build's
/// baseline CPU and `EngineKernelsAVX512` for skylake-avx512. Each copy has one type that conforms,
/// `Kernels`, whose methods forward to that copy's kernels; `KernelSet` (in ShuffleNet) names the copies,
/// checks cpuid and hands a session the type to call. The slow twins (the KernelTwins target, tests only)
/// conform too, so every kernel here has a twin with the same contract.
///
/// Adding a kernel: its source in Sources/EngineKernels, a requirement here, one forwarding method in
/// `Kernels` (Sources/EngineKernels/Kernels.swift), its twin in `SlowKernels`, and a test comparing them.
/// Adding a copy (another CPU target): a target built from the same sources, and a case in `KernelSet`.
///
/// The engine calls these once per layer (or per thread's share of one), never inside a kernel's loops, so the
/// call through the protocol costs nothing measurable. All tensors are Float pointers into buffers with 16
/// readable floats past their end; NHWC unless the name says planar (`RowPlanarLayout`: for each image row and
/// channel, the row's pixels padded with zeros to `paddedWidth(W)` floats). `rows` limits the output rows a call
/// writes (one thread's share of a layer); nil means all of them.
public protocol KernelCopy {
    /// Pixel rows in the 1×1 kernel's register tile; a layer split across threads is cut at multiples of it.
    static var rowTile: Int { get }

    /// A 1×1 convolution as a GEMM over N pixels, M outputs, K inputs (`PointwiseKernel`):
    /// C[n·ldc + m] = relu?(bias[m] + Σ_k A[n·lda + k·aStep] · W[k][m] + residual[n·ldr + m]), W in packed panels.
    /// `packedK` is the K the weights were packed with (nil: K), when a call covers a block of the inputs.
    static func pointwise(N: Int, M: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>,
                          C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>,
                          relu: Bool, residual: UnsafePointer<Float>?, ldr: Int, packedK: Int?)

    /// 3×3 depthwise convolution, pad 1, stride 1 or 2, with bias; weights [9][C]; `zeros` holds W·C zeros.
    static func depthwise(H: Int, W: Int, C: Int, stride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>?)

    /// 3×3 stride-2 pad-1 max pooling (padding never wins).
    static func maxPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>?)

    /// 3×3 stride-2 pad-1 average pooling counting padded zeros (sum / 9), into channels [0, C) of an output
    /// whose pixels are `ldo` floats apart.
    static func avgPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?)

    /// The mean of each channel over `pixels` NHWC pixels: output[c], C floats.
    static func globalAverage(pixels: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)

    /// The stem's 3×3 stride-2 pad-1 patches of an [H][W][3] image as rows of 27 floats ((ky·3 + kx)·3 + c), for
    /// output rows `outputRows`, the first of them at `rows`.
    static func stemPatches(H: Int, W: Int, input: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, outputRows: Range<Int>?)

    /// A grouped 1×1 convolution over row-planar image rows `rows` (`PlanarPointwiseKernel`); `aRow`, `cRow`, `rRow`
    /// are floats from one image row to the next.
    static func planarPointwise(rows: Range<Int>, W: Int, groups: Int, M: Int, K: Int, A: UnsafePointer<Float>, aRow: Int, aStep: Int,
                                aGroupStride: Int, weights: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, cRow: Int,
                                bias: UnsafePointer<Float>, relu: Bool, residual: UnsafePointer<Float>?, rRow: Int)

    /// 3×3 depthwise convolution, pad 1, stride 1, row-planar; `zeros` holds C·Wp + 32 zeros.
    static func planarDepthwise(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>?)

    /// NHWC [H][W][C] → channels [0, C) of a row-planar tensor with `outputChannels` channels.
    static func toPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputChannels: Int,
                         rows: Range<Int>?)

    /// Row-planar [H][C][Wp] → NHWC with pixel stride `ldo` (≥ C), channels [0, C).
    static func fromPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?)

    /// Squeeze-and-excitation: the mean of each of C channels over `pixels` pixels `ld` floats apart
    /// (`SqueezeExciteKernel`): output[c], C floats.
    static func channelMeans(pixels: Int, C: Int, input: UnsafePointer<Float>, ld: Int, output: UnsafeMutablePointer<Float>)

    /// Squeeze-and-excitation: values[i] = 1 / (1 + e^(−values[i])) for i < count, in place.
    static func sigmoid(count: Int, values: UnsafeMutablePointer<Float>)

    /// A fully connected layer on one vector, the 1×1 convolution's N = 1 with the same packed weights:
    /// output[m] = relu?(bias[m] + Σ_k input[k·step] · W[k][m]) for m < M (nothing past M written).
    static func fullyConnected(M: Int, K: Int, input: UnsafePointer<Float>, step: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>, relu: Bool)

    /// Squeeze-and-excitation: a grouped 1×1 convolution's packed weights and bias with each output channel c
    /// (group gi, output m: c = gi·M + m) multiplied by scales[c]: outW[gi][k][m] = W[gi][k][m] · scales[c],
    /// outBias[c] = bias[c] · scales[c]. The whole packed layout is written (padding stays zero).
    static func scaleColumns(groups: Int, K: Int, M: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>, scales: UnsafePointer<Float>,
                             outW: UnsafeMutablePointer<Float>, outBias: UnsafeMutablePointer<Float>)
}
