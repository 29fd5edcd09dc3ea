/// 3×3 depthwise convolution, pad 1, stride 1 or 2, NHWC, with bias: out[oy][ox][c].
/// Channels go in SIMD16/8/4 blocks (a scalar loop takes C mod 4); along a row the kernel slides a
/// window of three columns, so each output vector costs three new loads and nine FMAs.
/// Weights are tap-major: w[(ky·3 + kx)·C + c].
public enum DepthwiseKernel {
    public static func outputSide(_ side: Int, stride: Int) -> Int { (side - 1) / stride + 1 }

    /// `rows` limits the output rows computed (for splitting one image across threads); default all.
    @inline(never) public static func run(H: Int, W: Int, C: Int, stride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                    bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>? = nil) {
        let rows = rows ?? 0..<outputSide(H, stride: stride)
        var c = 0
        while C - c >= 4 {
            let r = C - c
            if r >= 16 { block(SIMD16<Float>.self, c0: c, H: H, W: W, C: C, stride: stride, rows: rows, input, weights, bias, output, zeros); c += 16 }
            else if r >= 8 { block(SIMD8<Float>.self, c0: c, H: H, W: W, C: C, stride: stride, rows: rows, input, weights, bias, output, zeros); c += 8 }
            else { block(SIMD4<Float>.self, c0: c, H: H, W: W, C: C, stride: stride, rows: rows, input, weights, bias, output, zeros); c += 4 }
        }
        if c < C { tail(c0: c, H: H, W: W, C: C, stride: stride, rows: rows, input, weights, bias, output, zeros) }
    }

    @inline(__always)
    static func block<V: FloatVector>(_: V.Type, c0: Int, H: Int, W: Int, C: Int, stride: Int, rows: Range<Int>, _ input: UnsafePointer<Float>,
                                      _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                      _ zeros: UnsafePointer<Float>) {
        let OW = outputSide(W, stride: stride)
        let w00: V = load(w + 0 * C + c0), w01: V = load(w + 1 * C + c0), w02: V = load(w + 2 * C + c0)
        let w10: V = load(w + 3 * C + c0), w11: V = load(w + 4 * C + c0), w12: V = load(w + 5 * C + c0)
        let w20: V = load(w + 6 * C + c0), w21: V = load(w + 7 * C + c0), w22: V = load(w + 8 * C + c0)
        let b: V = load(bias + c0)
        let rowStride = W * C
        for oy in rows {
            let iy = oy * stride - 1
            // Rows outside the image read from a zero row (`zeros` holds at least W·C zeros).
            let r0 = (iy >= 0 ? input + iy * rowStride : zeros) + c0
            let r1 = input + (iy + 1) * rowStride + c0
            let r2 = (iy + 2 < H ? input + (iy + 2) * rowStride : zeros) + c0
            let o = out + oy * OW * C + c0
            var l0 = V(), l1 = V(), l2 = V() // column −1 is padding
            if stride == 1 {
                var m0: V = load(r0), m1: V = load(r1), m2: V = load(r2)
                for ox in 0..<OW {
                    var n0 = V(), n1 = V(), n2 = V()
                    if ox + 1 < W { n0 = load(r0 + (ox + 1) * C); n1 = load(r1 + (ox + 1) * C); n2 = load(r2 + (ox + 1) * C) }
                    var acc = b.addingProduct(l0, w00).addingProduct(m0, w01).addingProduct(n0, w02)
                    acc = acc.addingProduct(l1, w10).addingProduct(m1, w11).addingProduct(n1, w12)
                    acc = acc.addingProduct(l2, w20).addingProduct(m2, w21).addingProduct(n2, w22)
                    store(o + ox * C, acc)
                    l0 = m0; l1 = m1; l2 = m2; m0 = n0; m1 = n1; m2 = n2
                }
            } else {
                for ox in 0..<OW {
                    let x = 2 * ox
                    let m0: V = load(r0 + x * C), m1: V = load(r1 + x * C), m2: V = load(r2 + x * C)
                    var n0 = V(), n1 = V(), n2 = V()
                    if x + 1 < W { n0 = load(r0 + (x + 1) * C); n1 = load(r1 + (x + 1) * C); n2 = load(r2 + (x + 1) * C) }
                    var acc = b.addingProduct(l0, w00).addingProduct(m0, w01).addingProduct(n0, w02)
                    acc = acc.addingProduct(l1, w10).addingProduct(m1, w11).addingProduct(n1, w12)
                    acc = acc.addingProduct(l2, w20).addingProduct(m2, w21).addingProduct(n2, w22)
                    store(o + ox * C, acc)
                    l0 = n0; l1 = n1; l2 = n2
                }
            }
        }
    }

    /// The last C mod 4 channels as one 4-wide vector per pixel, storing only the valid lanes (the extra
    /// lanes read the next pixel's channels or buffer slack and are discarded).
    static func tail(c0: Int, H: Int, W: Int, C: Int, stride: Int, rows: Range<Int>, _ input: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                     _ bias: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ zeros: UnsafePointer<Float>) {
        let OW = outputSide(W, stride: stride)
        let lanes = C - c0
        let b: SIMD4<Float> = load(bias + c0)
        // Stack storage: inference allocates nothing on the heap.
        withUnsafeTemporaryAllocation(of: SIMD4<Float>.self, capacity: 9) { taps in
        for t in 0..<9 { taps[t] = load(w + t * C + c0) }
        let zero = SIMD4<Float>.zero
        for oy in rows {
            for ox in 0..<OW {
                var acc = b
                for ky in 0..<3 {
                    let iy = oy * stride - 1 + ky
                    guard iy >= 0, iy < H else { continue }
                    for kx in 0..<3 {
                        let ix = ox * stride - 1 + kx
                        let v: SIMD4<Float> = ix >= 0 && ix < W ? load(input + (iy * W + ix) * C + c0) : zero
                        acc = acc.addingProduct(v, taps[ky * 3 + kx])
                    }
                }
                let o = out + (oy * OW + ox) * C + c0
                for lane in 0..<lanes { o[lane] = acc[lane] }
            }
        }
        }
    }
}
