/// The grouped 1×1 convolution over row-planar activations (`RowPlanarLayout`), pixels along the vector:
///   C[y][gi·M + m][x] = epilogue(bias[gi·M + m] + Σ_k W_gi[k][m] · A[y][gi·aGroupStride + k·aStep][x])
/// for image rows `rows`, x < Wp; M outputs and K inputs per group. A and C point at channel 0 of image
/// row 0; `aRow`, `cRow` are the floats from one image row to the next (channels × Wp). `aStep` is 1, or g
/// when the channel shuffle is folded in (the group's input k is channel k·g + gi, so `aGroupStride` is 1).
/// Weights are the 1×1 kernel's packed panels, one group after another (`PointwiseKernel.packedIndex`,
/// `packedCount`), read one scalar at a time and broadcast.
/// The epilogue optionally adds a residual (same layout, row stride `rRow`), applies ReLU, and zeroes lanes
/// x ≥ W so that the padding stays zero.
///
/// Register tile: 6 output channels × four 16-pixel vectors on AVX-512 (24 accumulators: per k, 4 vector
/// loads and 6 broadcasts feed 24 FMAs; 2 or 1 vectors for the rest), × one vector in other builds (12 YMM
/// accumulators for AVX2's 16 registers). The vectors of a tile are consecutive in (row, vector-in-row) order, so a 14-pixel row
/// (one vector) pairs with the next row. M mod 6 outputs take one-channel tiles.
public enum PlanarPointwiseKernel {
    typealias V = SIMD16<Float>

    @inline(never) public static func run(rows: Range<Int>, W: Int, groups: Int, M: Int, K: Int, A: UnsafePointer<Float>, aRow: Int, aStep: Int,
                                          aGroupStride: Int, weights: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, cRow: Int,
                                          bias: UnsafePointer<Float>, relu: Bool, residual: UnsafePointer<Float>? = nil, rRow: Int = 0) {
        let wp = RowPlanarLayout.paddedWidth(W)
        let vectors = rows.count * (wp / 16), perGroup = PointwiseKernel.packedCount(K: K, M: M)
        var g = Geometry(wp: wp, aRow: aRow, cRow: cRow, rRow: rRow, aStep: aStep * wp, K: K, relu: relu, residual: residual,
                         keep: RowPlanarLayout.lastVectorKeep(W: W))
        // Vectors outermost, then groups: one or two vectors' worth of every channel (a few KB of input, output
        // and residual, contiguous within a row) stays in L1 while all groups use it. (Groups outermost walked
        // each group's channels down all the rows, 25 KB apart, and ran much slower: docs/benchmarks.md.)
        var p = Place(row: rows.lowerBound, x: 0), q = 0
        while q < vectors {
            #if ENGINE_AVX512
            let count = q + 4 <= vectors ? 4 : q + 2 <= vectors ? 2 : 1
            #else
            let count = 1
            #endif
            let p1 = count > 1 ? p.next(wp) : p
            let p2 = count > 2 ? p1.next(wp) : p1, p3 = count > 2 ? p2.next(wp) : p1
            for gi in 0..<groups {
                let a = A + gi * aGroupStride * wp, w = weights + gi * perGroup, c = C + gi * M * wp, b = bias + gi * M
                g.residual = residual.map { $0 + gi * M * wp }
                var m = 0
                if count == 4 {
                    #if ENGINE_AVX512
                    while m + 6 <= M { tile6x4(g, m: m, p, p1, p2, p3, a, w, c, b); m += 6 }
                    if m + 3 <= M { tile3x4(g, m: m, p, p1, p2, p3, a, w, c, b); m += 3 }
                    #endif
                } else {
                    while m + 6 <= M { tile6(g, m: m, p, p1, two: count == 2, a, w, c, b); m += 6 }
                }
                while m < M {
                    tile1(g, m: m, p, a, w, c, b)
                    if count > 1 { tile1(g, m: m, p1, a, w, c, b) }
                    if count > 2 { tile1(g, m: m, p2, a, w, c, b); tile1(g, m: m, p3, a, w, c, b) }
                    m += 1
                }
            }
            p = p3.next(wp)
            q += count
        }
    }

    /// A vector's image row and first pixel.
    struct Place {
        var row: Int, x: Int
        @inline(__always) func next(_ wp: Int) -> Place { x + 16 == wp ? Place(row: row + 1, x: 0) : Place(row: row, x: x + 16) }
    }

    /// Sizes and strides shared by every tile of a call.
    struct Geometry {
        let wp: Int
        let aRow: Int, cRow: Int, rRow: Int
        let aStep: Int  // floats between the group's consecutive inputs (aStep channels × Wp)
        let K: Int
        let relu: Bool
        var residual: UnsafePointer<Float>?  // this group's first channel
        let keep: V  // a row's last vector is multiplied by it (`RowPlanarLayout.lastVectorKeep`)
    }

    /// Epilogue and store of output channel m's vector at p: residual, ReLU, and zero padding lanes (only
    /// a row's last vector has any).
    @inline(__always) static func finish(_ g: Geometry, _ v: V, m: Int, _ p: Place, _ C: UnsafeMutablePointer<Float>) {
        var v = v
        if let residual = g.residual { v += load(residual + p.row * g.rRow + m * g.wp + p.x) as V }
        if g.relu { v = v.relu() }
        if p.x + 16 == g.wp { v *= g.keep }
        store(C + p.row * g.cRow + m * g.wp + p.x, v)
    }

    /// Where output m's weight for input 0 is in the packed panels (`PointwiseKernel.packedIndex(k: 0, m:, K:)`
    /// with shifts: m is never negative, and the signed division's fix-ups were a third of a short tile's setup).
    @inline(__always) static func panelStart(_ m: Int, _ K: Int) -> Int { (m &>> 4) &* (K &* PointwiseKernel.panelWidth) &+ (m & 15) }

    #if ENGINE_AVX512
    // tile6x4 and tile3x4 are written out in full: built from one shared 3 × 4 accumulator block (a struct with
    // add and finish methods) the compiler outlined a block's epilogue, which made 0.5× g8 slower.

    /// Output channels m ..< m + 6 for four vectors: 24 accumulators of AVX-512's 32 registers; per input,
    /// 4 loads and 6 broadcasts feed 24 FMAs, and the tile's setup is spread over twice the work of `tile6`.
    @inline(never)
    static func tile6x4(_ g: Geometry, m: Int, _ p0: Place, _ p1: Place, _ p2: Place, _ p3: Place, _ A: UnsafePointer<Float>, _ W: UnsafePointer<Float>,
                        _ C: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        let a0 = A + p0.row * g.aRow + p0.x, a1 = A + p1.row * g.aRow + p1.x, a2 = A + p2.row * g.aRow + p2.x, a3 = A + p3.row * g.aRow + p3.x
        let K = g.K
        let w0 = W + panelStart(m, K), w1 = W + panelStart(m + 1, K), w2 = W + panelStart(m + 2, K)
        let w3 = W + panelStart(m + 3, K), w4 = W + panelStart(m + 4, K), w5 = W + panelStart(m + 5, K)
        var c00 = V(repeating: bias[m]), c10 = V(repeating: bias[m + 1]), c20 = V(repeating: bias[m + 2])
        var c30 = V(repeating: bias[m + 3]), c40 = V(repeating: bias[m + 4]), c50 = V(repeating: bias[m + 5])
        var c01 = c00, c11 = c10, c21 = c20, c31 = c30, c41 = c40, c51 = c50
        var c02 = c00, c12 = c10, c22 = c20, c32 = c30, c42 = c40, c52 = c50
        var c03 = c00, c13 = c10, c23 = c20, c33 = c30, c43 = c40, c53 = c50
        var ka = 0, kw = 0
        for _ in 0..<K {
            let x0: V = load(a0 + ka), x1: V = load(a1 + ka), x2: V = load(a2 + ka), x3: V = load(a3 + ka)
            var s = V(repeating: w0[kw])
            c00 = c00.addingProduct(x0, s); c01 = c01.addingProduct(x1, s); c02 = c02.addingProduct(x2, s); c03 = c03.addingProduct(x3, s)
            s = V(repeating: w1[kw])
            c10 = c10.addingProduct(x0, s); c11 = c11.addingProduct(x1, s); c12 = c12.addingProduct(x2, s); c13 = c13.addingProduct(x3, s)
            s = V(repeating: w2[kw])
            c20 = c20.addingProduct(x0, s); c21 = c21.addingProduct(x1, s); c22 = c22.addingProduct(x2, s); c23 = c23.addingProduct(x3, s)
            s = V(repeating: w3[kw])
            c30 = c30.addingProduct(x0, s); c31 = c31.addingProduct(x1, s); c32 = c32.addingProduct(x2, s); c33 = c33.addingProduct(x3, s)
            s = V(repeating: w4[kw])
            c40 = c40.addingProduct(x0, s); c41 = c41.addingProduct(x1, s); c42 = c42.addingProduct(x2, s); c43 = c43.addingProduct(x3, s)
            s = V(repeating: w5[kw])
            c50 = c50.addingProduct(x0, s); c51 = c51.addingProduct(x1, s); c52 = c52.addingProduct(x2, s); c53 = c53.addingProduct(x3, s)
            ka += g.aStep
            kw += PointwiseKernel.panelWidth
        }
        finish(g, c00, m: m, p0, C); finish(g, c10, m: m + 1, p0, C); finish(g, c20, m: m + 2, p0, C)
        finish(g, c30, m: m + 3, p0, C); finish(g, c40, m: m + 4, p0, C); finish(g, c50, m: m + 5, p0, C)
        finish(g, c01, m: m, p1, C); finish(g, c11, m: m + 1, p1, C); finish(g, c21, m: m + 2, p1, C)
        finish(g, c31, m: m + 3, p1, C); finish(g, c41, m: m + 4, p1, C); finish(g, c51, m: m + 5, p1, C)
        finish(g, c02, m: m, p2, C); finish(g, c12, m: m + 1, p2, C); finish(g, c22, m: m + 2, p2, C)
        finish(g, c32, m: m + 3, p2, C); finish(g, c42, m: m + 4, p2, C); finish(g, c52, m: m + 5, p2, C)
        finish(g, c03, m: m, p3, C); finish(g, c13, m: m + 1, p3, C); finish(g, c23, m: m + 2, p3, C)
        finish(g, c33, m: m + 3, p3, C); finish(g, c43, m: m + 4, p3, C); finish(g, c53, m: m + 5, p3, C)
    }

    /// Output channels m ..< m + 3 for four vectors (a group's last 3–5 outputs: 21 in 0.5× g8's first unit).
    @inline(never)
    static func tile3x4(_ g: Geometry, m: Int, _ p0: Place, _ p1: Place, _ p2: Place, _ p3: Place, _ A: UnsafePointer<Float>, _ W: UnsafePointer<Float>,
                        _ C: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        let a0 = A + p0.row * g.aRow + p0.x, a1 = A + p1.row * g.aRow + p1.x, a2 = A + p2.row * g.aRow + p2.x, a3 = A + p3.row * g.aRow + p3.x
        let w0 = W + panelStart(m, g.K), w1 = W + panelStart(m + 1, g.K), w2 = W + panelStart(m + 2, g.K)
        var c00 = V(repeating: bias[m]), c10 = V(repeating: bias[m + 1]), c20 = V(repeating: bias[m + 2])
        var c01 = c00, c11 = c10, c21 = c20, c02 = c00, c12 = c10, c22 = c20, c03 = c00, c13 = c10, c23 = c20
        var ka = 0, kw = 0
        for _ in 0..<g.K {
            let x0: V = load(a0 + ka), x1: V = load(a1 + ka), x2: V = load(a2 + ka), x3: V = load(a3 + ka)
            var s = V(repeating: w0[kw])
            c00 = c00.addingProduct(x0, s); c01 = c01.addingProduct(x1, s); c02 = c02.addingProduct(x2, s); c03 = c03.addingProduct(x3, s)
            s = V(repeating: w1[kw])
            c10 = c10.addingProduct(x0, s); c11 = c11.addingProduct(x1, s); c12 = c12.addingProduct(x2, s); c13 = c13.addingProduct(x3, s)
            s = V(repeating: w2[kw])
            c20 = c20.addingProduct(x0, s); c21 = c21.addingProduct(x1, s); c22 = c22.addingProduct(x2, s); c23 = c23.addingProduct(x3, s)
            ka += g.aStep
            kw += PointwiseKernel.panelWidth
        }
        finish(g, c00, m: m, p0, C); finish(g, c10, m: m + 1, p0, C); finish(g, c20, m: m + 2, p0, C)
        finish(g, c01, m: m, p1, C); finish(g, c11, m: m + 1, p1, C); finish(g, c21, m: m + 2, p1, C)
        finish(g, c02, m: m, p2, C); finish(g, c12, m: m + 1, p2, C); finish(g, c22, m: m + 2, p2, C)
        finish(g, c03, m: m, p3, C); finish(g, c13, m: m + 1, p3, C); finish(g, c23, m: m + 2, p3, C)
    }
    #endif

    /// Output channels m ..< m + 6 for vector q (and q + 1 when `two`).
    @inline(never)
    static func tile6(_ g: Geometry, m: Int, _ p0: Place, _ p1: Place, two: Bool, _ A: UnsafePointer<Float>, _ W: UnsafePointer<Float>,
                      _ C: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        let a0 = A + p0.row * g.aRow + p0.x, a1 = A + p1.row * g.aRow + p1.x
        let K = g.K
        let w0 = W + panelStart(m, K), w1 = W + panelStart(m + 1, K), w2 = W + panelStart(m + 2, K)
        let w3 = W + panelStart(m + 3, K), w4 = W + panelStart(m + 4, K), w5 = W + panelStart(m + 5, K)
        var c00 = V(repeating: bias[m]), c10 = V(repeating: bias[m + 1]), c20 = V(repeating: bias[m + 2])
        var c30 = V(repeating: bias[m + 3]), c40 = V(repeating: bias[m + 4]), c50 = V(repeating: bias[m + 5])
        var c01 = c00, c11 = c10, c21 = c20, c31 = c30, c41 = c40, c51 = c50
        var ka = 0, kw = 0
        if two {
            for _ in 0..<K {
                let x0: V = load(a0 + ka), x1: V = load(a1 + ka)
                var s = V(repeating: w0[kw]); c00 = c00.addingProduct(x0, s); c01 = c01.addingProduct(x1, s)
                s = V(repeating: w1[kw]); c10 = c10.addingProduct(x0, s); c11 = c11.addingProduct(x1, s)
                s = V(repeating: w2[kw]); c20 = c20.addingProduct(x0, s); c21 = c21.addingProduct(x1, s)
                s = V(repeating: w3[kw]); c30 = c30.addingProduct(x0, s); c31 = c31.addingProduct(x1, s)
                s = V(repeating: w4[kw]); c40 = c40.addingProduct(x0, s); c41 = c41.addingProduct(x1, s)
                s = V(repeating: w5[kw]); c50 = c50.addingProduct(x0, s); c51 = c51.addingProduct(x1, s)
                ka += g.aStep
                kw += PointwiseKernel.panelWidth
            }
            finish(g, c01, m: m, p1, C); finish(g, c11, m: m + 1, p1, C); finish(g, c21, m: m + 2, p1, C)
            finish(g, c31, m: m + 3, p1, C); finish(g, c41, m: m + 4, p1, C); finish(g, c51, m: m + 5, p1, C)
        } else {
            for _ in 0..<K {
                let x0: V = load(a0 + ka)
                c00 = c00.addingProduct(x0, V(repeating: w0[kw])); c10 = c10.addingProduct(x0, V(repeating: w1[kw]))
                c20 = c20.addingProduct(x0, V(repeating: w2[kw])); c30 = c30.addingProduct(x0, V(repeating: w3[kw]))
                c40 = c40.addingProduct(x0, V(repeating: w4[kw])); c50 = c50.addingProduct(x0, V(repeating: w5[kw]))
                ka += g.aStep
                kw += PointwiseKernel.panelWidth
            }
        }
        finish(g, c00, m: m, p0, C); finish(g, c10, m: m + 1, p0, C); finish(g, c20, m: m + 2, p0, C)
        finish(g, c30, m: m + 3, p0, C); finish(g, c40, m: m + 4, p0, C); finish(g, c50, m: m + 5, p0, C)
    }

    /// Output channel m for vector q.
    @inline(never)
    static func tile1(_ g: Geometry, m: Int, _ p: Place, _ A: UnsafePointer<Float>, _ W: UnsafePointer<Float>,
                      _ C: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        let a = A + p.row * g.aRow + p.x, w = W + panelStart(m, g.K)
        var c = V(repeating: bias[m])
        var ka = 0, kw = 0
        for _ in 0..<g.K {
            c = c.addingProduct(load(a + ka) as V, V(repeating: w[kw]))
            ka += g.aStep
            kw += PointwiseKernel.panelWidth
        }
        finish(g, c, m: m, p, C)
    }
}
