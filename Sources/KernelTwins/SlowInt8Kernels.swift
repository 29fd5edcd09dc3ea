import CInt8Kernels

/// The slow twins of the int8 kernels (Sources/CInt8Kernels/include/int8_kernels.h): the header's arithmetic
/// literally, one value at a time, explicit bounds instead of padding. Every compiled copy must equal these
/// byte for byte (Int8KernelTwinTests). Weights are UNPACKED here ([m][k], PyTorch's [out][in]); the tests pack
/// them with sn_int8_pack for the C side, so the twin does not depend on the packed layout.
///
/// Requantization: acc' = acc − correction[m]; y = fmaf(Float(acc'), scale, offset) (`addingProduct` is fused);
/// with a residual y = fmaf(Float(r), residualScale, y); q = clamp(rint(y), lo, 255), rint rounding half to even.
public enum SlowInt8Kernels {
    /// The epilogue of one output value, as the header defines it.
    public static func requantize(_ acc: Int32, scale: Float, offset: Float, correction: Int32, residual: UInt8?, residualScale: Float,
                                  lo: Int32) -> UInt8 {
        var y = offset.addingProduct(Float(acc &- correction), scale)
        if let residual { y = y.addingProduct(Float(residual), residualScale) }
        return clampRound(y, lo: lo)
    }

    /// clamp(rint(y), lo, 255) for finite y.
    public static func clampRound(_ y: Float, lo: Int32) -> UInt8 {
        UInt8(min(max(y.rounded(.toNearestOrEven), Float(lo)), 255))
    }

    /// acc[n·ldacc + m] = Σ_k A[n·lda + k] · weights[m·K + k] (int32, exact).
    public static func gemmAccumulate(N: Int, M: Int, K: Int, A: UnsafePointer<UInt8>, lda: Int, weights: UnsafePointer<Int8>,
                                      acc: UnsafeMutablePointer<Int32>, ldacc: Int) {
        for n in 0..<N {
            for m in 0..<M {
                var sum: Int32 = 0
                for k in 0..<K { sum += Int32(A[n * lda + k]) * Int32(weights[m * K + k]) }
                acc[n * ldacc + m] = sum
            }
        }
    }

    /// C[n·ldc + m] = requantize(Σ_k A[n·lda + k] · weights[m·K + k]) with the epilogue's per-output parameters.
    public static func gemm(N: Int, M: Int, K: Int, A: UnsafePointer<UInt8>, lda: Int, weights: UnsafePointer<Int8>,
                            C: UnsafeMutablePointer<UInt8>, ldc: Int, epilogue e: sn_int8_epilogue) {
        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: max(N * M, 1))
        defer { acc.deallocate() }
        gemmAccumulate(N: N, M: M, K: K, A: A, lda: lda, weights: weights, acc: acc, ldacc: M)
        for n in 0..<N {
            for m in 0..<M {
                C[n * ldc + m] = requantize(acc[n * M + m], scale: e.scale[m], offset: e.offset[m], correction: e.correction?[m] ?? 0,
                                            residual: e.residual.map { $0[n * e.ldr + m] }, residualScale: e.residualScale, lo: e.lo)
            }
        }
    }

    /// The 3×3 pad-1 window positions of output (oy, ox) at this stride that lie inside an H × W input: (tap, iy, ix).
    static func taps(oy: Int, ox: Int, stride: Int, H: Int, W: Int) -> [(tap: Int, iy: Int, ix: Int)] {
        var inside: [(tap: Int, iy: Int, ix: Int)] = []
        for ky in 0..<3 {
            for kx in 0..<3 {
                let iy = oy * stride - 1 + ky, ix = ox * stride - 1 + kx
                if iy >= 0, iy < H, ix >= 0, ix < W { inside.append((ky * 3 + kx, iy, ix)) }
            }
        }
        return inside
    }

    static func outputSide(_ side: Int, stride: Int) -> Int { (side - 1) / stride + 1 }

    /// 3×3 depthwise, pad 1 (zeros), stride 1 or 2: out[(oy·Wo + ox)·C + index(c)] = clamp(rint(fmaf(acc, scale, offset)), lo, 255).
    public static func depthwise(H: Int, W: Int, C: Int, stride: Int, input: UnsafePointer<UInt8>, weights: UnsafePointer<Int8>,
                                 scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, lo: Int32, outputIndex: UnsafePointer<UInt16>?,
                                 output: UnsafeMutablePointer<UInt8>, rows: Range<Int>) {
        let Wo = outputSide(W, stride: stride)
        for oy in rows {
            for ox in 0..<Wo {
                let window = taps(oy: oy, ox: ox, stride: stride, H: H, W: W)
                for c in 0..<C {
                    var acc: Int32 = 0
                    for (tap, iy, ix) in window { acc += Int32(input[(iy * W + ix) * C + c]) * Int32(weights[tap * C + c]) }
                    let index = outputIndex.map { Int($0[c]) } ?? c
                    output[(oy * Wo + ox) * C + index] = clampRound(offset[c].addingProduct(Float(acc), scale[c]), lo: lo)
                }
            }
        }
    }

    /// 3×3 stride-2 pad-1 average pooling (padding counts as 0): clamp(rint(Float(sum) · scale), 0, 255) into pixels ldo apart.
    public static func avgpool(H: Int, W: Int, C: Int, input: UnsafePointer<UInt8>, scale: Float, output: UnsafeMutablePointer<UInt8>,
                               ldo: Int, rows: Range<Int>) {
        let Wo = outputSide(W, stride: 2)
        for oy in rows {
            for ox in 0..<Wo {
                let window = taps(oy: oy, ox: ox, stride: 2, H: H, W: W)
                for c in 0..<C {
                    let sum = window.reduce(Int32(0)) { $0 + Int32(input[($1.iy * W + $1.ix) * C + c]) }
                    output[(oy * Wo + ox) * ldo + c] = clampRound(Float(sum) * scale, lo: 0)
                }
            }
        }
    }

    /// 3×3 stride-2 pad-1 max pooling over the window positions inside the image.
    public static func maxpool(H: Int, W: Int, C: Int, input: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>, rows: Range<Int>) {
        let Wo = outputSide(W, stride: 2)
        for oy in rows {
            for ox in 0..<Wo {
                let window = taps(oy: oy, ox: ox, stride: 2, H: H, W: W)
                for c in 0..<C { output[(oy * Wo + ox) * C + c] = window.map { input[($0.iy * W + $0.ix) * C + c] }.max()! }
            }
        }
    }

    /// q[i] = clamp(rint(fmaf(x[i], inverseScale, zeroPoint)), 0, 255) (x not NaN).
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, inverseScale: Float, zeroPoint: Float, q: UnsafeMutablePointer<UInt8>) {
        for i in 0..<count { q[i] = clampRound(zeroPoint.addingProduct(x[i], inverseScale), lo: 0) }
    }

    /// sums[c] = Σ_p input[p·C + c].
    public static func channelSums(pixels: Int, C: Int, input: UnsafePointer<UInt8>, sums: UnsafeMutablePointer<Int32>) {
        for c in 0..<C { sums[c] = (0..<pixels).reduce(Int32(0)) { $0 + Int32(input[$1 * C + c]) } }
    }
}
