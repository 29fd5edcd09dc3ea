import EngineKernels
import KernelInterface

/// The slow twins of the SIMD kernels: the same contracts (`KernelCopy`), one float at a time, with explicit
/// bounds instead of padding tricks. Tests compare every compiled copy's kernels with these on awkward sizes;
/// nothing shipped links them (the reference forward pass has its own NCHW kernels, `ReferenceKernels`).
/// Conforming to `KernelCopy` is what makes every kernel have a twin: a new requirement does not compile
/// until its twin is written here.
///
/// The layouts (packed weight panels, row-planar rows) are the kernels' own definitions from EngineKernels.
public enum SlowKernels: KernelCopy {
    /// No register tiles: any row split is as good as another.
    public static var rowTile: Int { 1 }

    public static func pointwise(N: Int, M: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>,
                                 C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>,
                                 relu: Bool, residual: UnsafePointer<Float>?, ldr: Int, packedK: Int?) {
        for n in 0..<N {
            for m in 0..<M {
                var sum = bias[m]
                for k in 0..<K { sum += A[n * lda + k * aStep] * W[PointwiseKernel.packedIndex(k: k, m: m, K: packedK ?? K)] }
                if let residual { sum += residual[n * ldr + m] }
                C[n * ldc + m] = relu ? max(sum, 0) : sum
            }
        }
    }

    public static func depthwise(H: Int, W: Int, C: Int, stride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>?) {
        let OW = DepthwiseKernel.outputSide(W, stride: stride)
        for oy in rows ?? 0..<DepthwiseKernel.outputSide(H, stride: stride) {
            for ox in 0..<OW {
                for c in 0..<C {
                    var sum = bias[c]
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = oy * stride - 1 + ky, ix = ox * stride - 1 + kx
                            guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
                            sum += input[(iy * W + ix) * C + c] * weights[(ky * 3 + kx) * C + c]
                        }
                    }
                    output[(oy * OW + ox) * C + c] = sum
                }
            }
        }
    }

    public static func maxPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>?) {
        pool(H: H, W: W, C: C, input: input, output: output, ldo: C, rows: rows) { window in window.max()! }
    }

    public static func avgPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?) {
        pool(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows) { window in window.reduce(0, +) / 9 }
    }

    /// 3×3 stride-2 pad-1 windows of each channel (the pixels inside the image), reduced to one value.
    static func pool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?,
                     _ reduce: ([Float]) -> Float) {
        let OW = DepthwiseKernel.outputSide(W, stride: 2)
        for oy in rows ?? 0..<DepthwiseKernel.outputSide(H, stride: 2) {
            for ox in 0..<OW {
                for c in 0..<C {
                    var window: [Float] = []
                    for iy in 2 * oy - 1...2 * oy + 1 where iy >= 0 && iy < H {
                        for ix in 2 * ox - 1...2 * ox + 1 where ix >= 0 && ix < W { window.append(input[(iy * W + ix) * C + c]) }
                    }
                    output[(oy * OW + ox) * ldo + c] = reduce(window)
                }
            }
        }
    }

    public static func globalAverage(pixels: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for c in 0..<C {
            var sum: Float = 0
            for p in 0..<pixels { sum += input[p * C + c] }
            output[c] = sum / Float(pixels)
        }
    }

    public static func stemPatches(H: Int, W: Int, input: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, outputRows: Range<Int>?) {
        let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
        let outputRows = outputRows ?? 0..<OH
        for oy in outputRows {
            for ox in 0..<OW {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        for c in 0..<3 {
                            let iy = 2 * oy - 1 + ky, ix = 2 * ox - 1 + kx
                            let value = iy >= 0 && iy < H && ix >= 0 && ix < W ? input[(iy * W + ix) * 3 + c] : 0
                            rows[((oy - outputRows.lowerBound) * OW + ox) * 27 + (ky * 3 + kx) * 3 + c] = value
                        }
                    }
                }
            }
        }
    }
}
