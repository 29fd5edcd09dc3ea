/// 3×3 stride-2 pad-1 pooling over NHWC, vectorised across channels, and the small pieces around it.
public enum PoolingKernels {
    /// Max pooling (padding never wins). out: [OH][OW][C] with row stride OW·C.
    @inline(never) public static func max3x3s2(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>? = nil) {
        let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
        for oy in rows ?? 0..<OH {
            for ox in 0..<OW {
                let o = output + (oy * OW + ox) * C
                var first = true
                for iy in max(0, 2 * oy - 1)...min(H - 1, 2 * oy + 1) {
                    for ix in max(0, 2 * ox - 1)...min(W - 1, 2 * ox + 1) {
                        let p = input + (iy * W + ix) * C
                        if first {
                            o.update(from: p, count: C)
                            first = false
                        } else {
                            combine(o, p, C) { $0.replacing(with: $1, where: $1 .> $0) } scalar: { max($0, $1) }
                        }
                    }
                }
            }
        }
    }

    /// Average pooling counting padded zeros (sum / 9), written into channels [0, C) of an output whose
    /// pixels are `ldo` floats apart: the stride-2 unit's shortcut half of the concatenation, in place.
    @inline(never) public static func avg3x3s2(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>? = nil) {
        let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
        for oy in rows ?? 0..<OH {
            for ox in 0..<OW {
                let o = output + (oy * OW + ox) * ldo
                o.update(repeating: 0, count: C)
                for iy in max(0, 2 * oy - 1)...min(H - 1, 2 * oy + 1) {
                    for ix in max(0, 2 * ox - 1)...min(W - 1, 2 * ox + 1) {
                        combine(o, input + (iy * W + ix) * C, C) { $0 + $1 } scalar: { $0 + $1 }
                    }
                }
                combine(o, o, C) { a, _ in a * (1.0 / 9.0) } scalar: { a, _ in a * (1.0 / 9.0) }
            }
        }
    }

    /// o[c] = f(o[c], p[c]) for c in 0..<C, SIMD16 then scalar.
    @inline(__always)
    static func combine(_ o: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ C: Int,
                        _ vector: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>, scalar: (Float, Float) -> Float) {
        var c = 0
        while c + 16 <= C {
            store(o + c, vector(load(o + c), load(p + c)))
            c += 16
        }
        while c < C {
            o[c] = scalar(o[c], p[c])
            c += 1
        }
    }

    /// Mean over the H·W pixels of each channel: out[c].
    @inline(never) public static func globalAverage(pixels: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: C)
        for n in 0..<pixels { combine(output, input + n * C, C) { $0 + $1 } scalar: { $0 + $1 } }
        let scale = 1 / Float(pixels)
        combine(output, output, C) { a, _ in a * scale } scalar: { a, _ in a * scale }
    }

    /// The stem's 3×3 stride-2 pad-1 patches as rows of 27 values (ky, kx, channel), zeros for padding,
    /// so the stem convolution is a GEMM with K = 27. input: [H][W][3]; rows: [OH·OW][27].
    @inline(never) public static func stemPatches(H: Int, W: Int, input: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil) {
        let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
        for oy in outputRows ?? 0..<OH {
            for ox in 0..<OW {
                let row = rows + (oy * OW + ox) * 27
                for ky in 0..<3 {
                    let iy = 2 * oy - 1 + ky
                    for kx in 0..<3 {
                        let ix = 2 * ox - 1 + kx
                        let dst = row + (ky * 3 + kx) * 3
                        if iy >= 0, iy < H, ix >= 0, ix < W {
                            let src = input + (iy * W + ix) * 3
                            dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]
                        } else {
                            dst[0] = 0; dst[1] = 0; dst[2] = 0
                        }
                    }
                }
            }
        }
    }
}
