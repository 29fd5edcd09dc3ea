import EngineKernels

/// The row-planar twins (`RowPlanarLayout`: value (y, x, c) at (y·C + c)·Wp + x, lanes x ≥ W zero).
extension SlowKernels {
    public static func planarPointwise(rows: Range<Int>, W: Int, groups: Int, M: Int, K: Int, A: UnsafePointer<Float>, aRow: Int, aStep: Int,
                                       aGroupStride: Int, weights: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, cRow: Int,
                                       bias: UnsafePointer<Float>, relu: Bool, residual: UnsafePointer<Float>?, rRow: Int) {
        let wp = RowPlanarLayout.paddedWidth(W), perGroup = PointwiseKernel.packedCount(K: K, M: M)
        for y in rows {
            for gi in 0..<groups {
                for m in 0..<M {
                    let o = gi * M + m  // output channel
                    for x in 0..<wp {
                        var sum = bias[o]
                        for k in 0..<K {
                            let input = gi * aGroupStride + k * aStep
                            sum += weights[gi * perGroup + PointwiseKernel.packedIndex(k: k, m: m, K: K)] * A[y * aRow + input * wp + x]
                        }
                        if let residual { sum += residual[y * rRow + o * wp + x] }
                        if relu { sum = max(sum, 0) }
                        C[y * cRow + o * wp + x] = x < W ? sum : 0
                    }
                }
            }
        }
    }

    public static func planarDepthwise(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>?) {
        let wp = RowPlanarLayout.paddedWidth(W)
        for y in rows ?? 0..<H {
            for c in 0..<C {
                for x in 0..<wp {
                    var sum = bias[c]
                    for dy in -1...1 {
                        for dx in -1...1 where y + dy >= 0 && y + dy < H && x + dx >= 0 && x + dx < W {
                            sum += weights[((dy + 1) * 3 + dx + 1) * C + c] * input[((y + dy) * C + c) * wp + x + dx]
                        }
                    }
                    output[(y * C + c) * wp + x] = x < W ? sum : 0
                }
            }
        }
    }

    public static func toPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputChannels: Int,
                                rows: Range<Int>?) {
        let wp = RowPlanarLayout.paddedWidth(W)
        for y in rows ?? 0..<H {
            for c in 0..<C { for x in 0..<wp { output[(y * outputChannels + c) * wp + x] = x < W ? input[(y * W + x) * C + c] : 0 } }
        }
    }

    public static func fromPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>?) {
        let wp = RowPlanarLayout.paddedWidth(W)
        for y in rows ?? 0..<H { for x in 0..<W { for c in 0..<C { output[(y * W + x) * ldo + c] = input[(y * C + c) * wp + x] } } }
    }
}
