/// 3×3 stride-2 pad-1 pooling over NHWC, vectorised across channels, and the small pieces around it.
public enum PoolingKernels {
    /// Max pooling (padding never wins). out: [OH][OW][C] with row stride OW·C. Each channel block's maximum
    /// over the window stays in a register until it is stored once.
    @inline(never) public static func max3x3s2(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>? = nil) {
        let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
        for oy in rows ?? 0..<OH {
            let ys = max(0, 2 * oy - 1)...min(H - 1, 2 * oy + 1)
            for ox in 0..<OW {
                let xs = max(0, 2 * ox - 1)...min(W - 1, 2 * ox + 1)
                let o = output + (oy * OW + ox) * C
                var c = 0
                while c + 16 <= C { windowMax(SIMD16<Float>.self, c, ys, xs, W: W, C: C, input, o); c += 16 }
                if c + 8 <= C { windowMax(SIMD8<Float>.self, c, ys, xs, W: W, C: C, input, o); c += 8 }
                if c + 4 <= C { windowMax(SIMD4<Float>.self, c, ys, xs, W: W, C: C, input, o); c += 4 }
                while c < C {
                    var m = input[(ys.lowerBound * W + xs.lowerBound) * C + c]
                    for iy in ys { for ix in xs { m = max(m, input[(iy * W + ix) * C + c]) } }
                    o[c] = m
                    c += 1
                }
            }
        }
    }

    /// Channels c ..< c + V.scalarCount of one max-pooling window.
    @inline(__always)
    static func windowMax<V: FloatVector>(_: V.Type, _ c: Int, _ ys: ClosedRange<Int>, _ xs: ClosedRange<Int>, W: Int, C: Int,
                                          _ input: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
        var m: V = load(input + (ys.lowerBound * W + xs.lowerBound) * C + c)
        for iy in ys { for ix in xs { m = m.maximum(load(input + (iy * W + ix) * C + c)) } }
        store(o + c, m)
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
                        combine(o, input + (iy * W + ix) * C, C, .add)
                    }
                }
                combine(o, o, C, .scale(1.0 / 9.0))
            }
        }
    }

    /// What `combine` does to each channel: o = o + p, or o = o · s (p unused).
    enum Operation {
        case add, scale(Float)

        @inline(__always) func callAsFunction<V: FloatVector>(_ o: V, _ p: V) -> V {
            switch self {
            case .add: o + p
            case .scale(let s): o * s
            }
        }

        @inline(__always) func callAsFunction(_ o: Float, _ p: Float) -> Float {
            switch self {
            case .add: o + p
            case .scale(let s): o * s
            }
        }
    }

    /// o[c] = operation(o[c], p[c]) for c in 0..<C: SIMD16 steps, then one 8- and one 4-wide step, then scalars,
    /// so that the narrow stems (12, 16 or 24 channels) and widths like 120 = 7·16 + 8 stay vectorised.
    @inline(__always)
    static func combine(_ o: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ C: Int, _ operation: Operation) {
        var c = 0
        while c + 16 <= C {
            store(o + c, operation(load(o + c) as SIMD16<Float>, load(p + c)))
            c += 16
        }
        if c + 8 <= C {
            store(o + c, operation(load(o + c) as SIMD8<Float>, load(p + c)))
            c += 8
        }
        if c + 4 <= C {
            store(o + c, operation(load(o + c) as SIMD4<Float>, load(p + c)))
            c += 4
        }
        while c < C {
            o[c] = operation(o[c], p[c])
            c += 1
        }
    }

    /// Mean over the H·W pixels of each channel: out[c].
    @inline(never) public static func globalAverage(pixels: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: C)
        for n in 0..<pixels { combine(output, input + n * C, C, .add) }
        let scale = 1 / Float(pixels)
        combine(output, output, C, .scale(scale))
    }

    /// The stem's 3×3 stride-2 pad-1 patches as rows of 27 values (ky, kx, channel), zeros for padding,
    /// so the stem convolution is a GEMM with K = 27. input: [H][W][3]; rows: [OW][27] per output row of
    /// `outputRows` (default all), the first of them at `rows`.
    @inline(never) public static func stemPatches(H: Int, W: Int, input: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil) {
        let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
        let outputRows = outputRows ?? 0..<OH
        for oy in outputRows {
            for ox in 0..<OW {
                let row = rows + ((oy - outputRows.lowerBound) * OW + ox) * 27
                let x0 = 2 * ox - 1
                if x0 >= 0, x0 + 2 < W {
                    // All three columns inside the image: each kernel row is 9 contiguous floats (3 pixels × RGB).
                    for ky in 0..<3 {
                        let iy = 2 * oy - 1 + ky, dst = row + ky * 9
                        if iy >= 0, iy < H {
                            let src = input + (iy * W + x0) * 3
                            store(dst, load(src) as SIMD8<Float>)
                            dst[8] = src[8]
                        } else {
                            store(dst, SIMD8<Float>())
                            dst[8] = 0
                        }
                    }
                    continue
                }
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
