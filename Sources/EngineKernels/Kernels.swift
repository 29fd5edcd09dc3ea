import KernelInterface

/// This compiled copy of the kernels as one `KernelCopy` (the same source is `EngineKernels.Kernels` in the
/// baseline build and `EngineKernelsAVX512.Kernels` in the AVX-512 one): each method forwards to its kernel.
public enum Kernels: KernelCopy {
    public static var rowTile: Int { PointwiseKernel.rowTile }

    public static func pointwise(N: Int, M: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>,
                                 C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>,
                                 relu: Bool, residual: UnsafePointer<Float>?, ldr: Int, packedK: Int?) {
        PointwiseKernel.run(N: N, M: M, K: K, A: A, lda: lda, aStep: aStep, W: W, C: C, ldc: ldc, bias: bias,
                            epilogue: .init(relu: relu, residual: residual, ldr: ldr), packedK: packedK)
    }

    public static func depthwise(H: Int, W: Int, C: Int, stride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>?) {
        DepthwiseKernel.run(H: H, W: W, C: C, stride: stride, input: input, weights: weights, bias: bias, output: output, zeros: zeros, rows: rows)
    }

    public static func maxPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>?) {
        PoolingKernels.max3x3s2(H: H, W: W, C: C, input: input, output: output, rows: rows)
    }

    public static func avgPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?) {
        PoolingKernels.avg3x3s2(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows)
    }

    public static func globalAverage(pixels: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        PoolingKernels.globalAverage(pixels: pixels, C: C, input: input, output: output)
    }

    public static func stemPatches(H: Int, W: Int, input: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, outputRows: Range<Int>?) {
        PoolingKernels.stemPatches(H: H, W: W, input: input, rows: rows, outputRows: outputRows)
    }

    public static func planarPointwise(rows: Range<Int>, W: Int, groups: Int, M: Int, K: Int, A: UnsafePointer<Float>, aRow: Int, aStep: Int,
                                       aGroupStride: Int, weights: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, cRow: Int,
                                       bias: UnsafePointer<Float>, relu: Bool, residual: UnsafePointer<Float>?, rRow: Int) {
        PlanarPointwiseKernel.run(rows: rows, W: W, groups: groups, M: M, K: K, A: A, aRow: aRow, aStep: aStep, aGroupStride: aGroupStride,
                                  weights: weights, C: C, cRow: cRow, bias: bias, relu: relu, residual: residual, rRow: rRow)
    }

    public static func planarDepthwise(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>?) {
        PlanarDepthwiseKernel.run(H: H, W: W, C: C, input: input, weights: weights, bias: bias, output: output, zeros: zeros, rows: rows)
    }

    public static func toPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputChannels: Int,
                                rows: Range<Int>?) {
        RowPlanarLayout.fromChannelsLast(H: H, W: W, C: C, input: input, output: output, outputChannels: outputChannels, rows: rows)
    }

    public static func fromPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?) {
        RowPlanarLayout.toChannelsLast(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows)
    }

    public static func channelMeans(pixels: Int, C: Int, input: UnsafePointer<Float>, ld: Int, output: UnsafeMutablePointer<Float>) {
        SqueezeExciteKernel.channelMeans(pixels: pixels, C: C, input: input, ld: ld, output: output)
    }

    public static func sigmoid(count: Int, values: UnsafeMutablePointer<Float>) {
        SqueezeExciteKernel.sigmoid(count: count, values: values)
    }

    public static func fullyConnected(M: Int, K: Int, input: UnsafePointer<Float>, step: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                      output: UnsafeMutablePointer<Float>, relu: Bool) {
        SqueezeExciteKernel.fullyConnected(M: M, K: K, input: input, step: step, W: W, bias: bias, output: output, relu: relu)
    }

    public static func scaleColumns(groups: Int, K: Int, M: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>, scales: UnsafePointer<Float>,
                                    outW: UnsafeMutablePointer<Float>, outBias: UnsafeMutablePointer<Float>) {
        SqueezeExciteKernel.scaleColumns(groups: groups, K: K, M: M, W: W, bias: bias, scales: scales, outW: outW, outBias: outBias)
    }
}
