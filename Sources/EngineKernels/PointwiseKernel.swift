/// The 1×1 convolution of NHWC activations as a GEMM with channels as the vector dimension:
///   C[n·ldc + m] = epilogue(bias[m] + Σ_k A[n·lda + k·aStep] · W[k·M + m])
/// for N pixels, M output channels, K input channels; W[k·M + m] stands for its place in the packed panels
/// (`packedIndex`). `aStep` is 1, or g when the channel shuffle is folded into this convolution (input
/// channel k of group gi is channel k·g + gi of the unshuffled tensor).
/// The epilogue optionally adds a residual (same layout, row stride `ldr`) and applies ReLU.
/// Register tiles: 6 rows (pixels) × channel columns. The AVX-512 copy (ENGINE_AVX512, 32 vector registers) uses
/// (16+16 | 16+4…16) channels, 12 accumulators; other copies 16 channels, also 12 accumulators (AVX2 has 16
/// registers, and SIMD16 takes two). Row remainders take single-row tiles. A group's last
/// channels go through one vector (4, 8 or 16 wide) whose extra lanes are computed and never stored (their
/// weights are the panels' zero padding; bias and residual reads land in the 16 floats of slack every buffer
/// and every session image slice has), so any channel count works in one pass
/// (groups of 6, 10 or 30 channels are common in ShuffleNet).
public enum PointwiseKernel {
    public struct Epilogue {
        public var relu: Bool
        public var residual: UnsafePointer<Float>? = nil  // added before ReLU
        public var ldr: Int = 0

        public init(relu: Bool, residual: UnsafePointer<Float>? = nil, ldr: Int = 0) {
            self.relu = relu
            self.residual = residual
            self.ldr = ldr
        }
    }

    /// Weights are packed in panels of 16 output channels: for each group, panel j holds W[k][16j ..< 16j + 16]
    /// for k in 0..<K, contiguous ([K][16]), zero-padded past M. A tile then streams its weights from one or
    /// two contiguous panels instead of K rows M floats apart (each a new cache line, often a new page).
    public static let panelWidth = 16

    /// Floats in one group's packed weights (K inputs, M outputs).
    public static func packedCount(K: Int, M: Int) -> Int { (M + panelWidth - 1) / panelWidth * panelWidth * K }

    /// Where W[k][m] (input k, output m) of a group goes in its packed weights.
    public static func packedIndex(k: Int, m: Int, K: Int) -> Int { (m / panelWidth) * K * panelWidth + k * panelWidth + m % panelWidth }

    /// Pixel rows per register tile; a layer split across threads is cut at multiples of it. (8- and 12-row
    /// tiles for AVX-512's 32 registers gained nothing: docs/benchmarks.md.)
    public static let rowTile = 6

    /// `packedK` is the K the weights were packed with (default K): a call may cover inputs k0 ..< k0 + K of
    /// them, with A and W advanced to input k0 (A by k0·aStep, W by k0·16), to block K.
    @inline(never) public static func run(N: Int, M: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int,
                    W: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>, epilogue: Epilogue,
                    packedK: Int? = nil) {
        var m = 0
        let ldw = panelWidth, panel = (packedK ?? K) * panelWidth  // every block starts at a multiple of 16: on a panel boundary
        typealias S16 = SIMD16<Float>
        typealias S8 = SIMD8<Float>
        typealias S4 = SIMD4<Float>
        while m < M {
            let r = M - m
            let w = W + m / panelWidth * panel, c = C + m, b = bias + m
            let e = Epilogue(relu: epilogue.relu, residual: epilogue.residual.map { $0 + m }, ldr: epilogue.ldr)
            // Each branch is its own call of `column`, specialised for its vector types (a generic helper closure
            // here made the compiler stop inlining the SIMD loads and stores: calls in the tiles, slower on 1× g3).
            #if ENGINE_AVX512
            // 33–48 channels left (40 in 1× and 2× g3's compress, 48 = 80 − 32 in their expand): three vectors per
            // row in one pass over A, rather than two vectors and then a one-vector tile that reads A again and is
            // bound by its loads (7 per 6 FMAs). Not for short K (the stem's 27), where the tile's per-row epilogue
            // calls cost more than they save (the 2× g3 stem was slower with it).
            if r > 32 && r <= 48 && K >= 32 {
                threeColumns(lanes: r - 32, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, panel: panel, C: c, ldc: ldc, bias: b, e)
                break
            }
            // Two ZMM-wide columns while the group is wide enough, then 16 + the rest in one tile.
            if r >= 32 {
                column(S16.self, S16.self, two: true, lanes: 16, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                m += 32
                continue
            }
            if r > 20 {
                column(S16.self, S16.self, two: true, lanes: r - 16, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                break
            }
            if r > 16 {
                column(S16.self, S4.self, two: true, lanes: r - 16, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                break
            }
            #endif
            // One vector per row otherwise (16 channels are two YMM registers: a 6-row tile keeps 12 accumulators,
            // which fits AVX2's 16). The last block is one vector as narrow as it can be, stored partially: a
            // group of 6 channels (0.5× g8) is one 8-wide tile, a group of 10 (0.5× g3) one 16-wide tile.
            if r >= 16 {
                column(S16.self, S16.self, two: false, lanes: 16, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                m += 16
            } else if r > 8 {
                column(S16.self, S16.self, two: false, lanes: r, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                break
            } else if r > 4 {
                column(S8.self, S8.self, two: false, lanes: r, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                break
            } else {
                column(S4.self, S4.self, two: false, lanes: r, N: N, K: K, A: A, lda: lda, aStep: aStep, W: w, ldw: ldw, uOffset: panel, C: c, ldc: ldc, bias: b, e)
                break
            }
        }
    }

    #if ENGINE_AVX512
    /// A block of 32 + `lanes` (1…16) output channels: 6-row tiles of three vectors (18 accumulators of
    /// AVX-512's 32 registers); the last 1–5 rows through the two- and one-vector paths.
    static func threeColumns(lanes: Int, N: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>, panel: Int,
                             C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>, _ e: Epilogue) {
        var n = 0
        while n + 6 <= N {
            tile6x3(n: n, K: K, A: A + n * lda, lda: lda, aStep: aStep, W: W, panel: panel, C: C + n * ldc, ldc: ldc, bias: bias, lanes: lanes, e)
            n += 6
        }
        guard n < N else { return }
        let rest = Epilogue(relu: e.relu, residual: e.residual.map { $0 + n * e.ldr }, ldr: e.ldr)
        column(SIMD16<Float>.self, SIMD16<Float>.self, two: true, lanes: 16, N: N - n, K: K, A: A + n * lda, lda: lda, aStep: aStep, W: W,
               ldw: panelWidth, uOffset: panel, C: C + n * ldc, ldc: ldc, bias: bias, rest)
        let third = Epilogue(relu: e.relu, residual: rest.residual.map { $0 + 32 }, ldr: e.ldr)
        column(SIMD16<Float>.self, SIMD16<Float>.self, two: false, lanes: lanes, N: N - n, K: K, A: A + n * lda, lda: lda, aStep: aStep,
               W: W + 2 * panel, ldw: panelWidth, uOffset: panel, C: C + n * ldc + 32, ldc: ldc, bias: bias + 32, third)
    }

    /// Six rows × three 16-channel vectors (the third stored up to `lanes`), written for concrete types: a
    /// generic version made the compiler stop inlining the SIMD loads and stores (docs/benchmarks.md).
    @inline(never)
    static func tile6x3(n: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>, panel: Int,
                        C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>, lanes: Int, _ e: Epilogue) {
        typealias V = SIMD16<Float>
        let b0: V = load(bias), b1: V = load(bias + 16), b2: V = load(bias + 32)
        var c00 = b0, c01 = b1, c02 = b2, c10 = b0, c11 = b1, c12 = b2, c20 = b0, c21 = b1, c22 = b2
        var c30 = b0, c31 = b1, c32 = b2, c40 = b0, c41 = b1, c42 = b2, c50 = b0, c51 = b1, c52 = b2
        let a0 = A, a1 = A + lda, a2 = A + 2 * lda, a3 = A + 3 * lda, a4 = A + 4 * lda, a5 = A + 5 * lda
        let w0 = W, w1 = W + panel, w2 = W + 2 * panel
        var kw = 0, kk = 0
        for _ in 0..<K {
            let x0: V = load(w0 + kw), x1: V = load(w1 + kw), x2: V = load(w2 + kw)
            var s = V(repeating: a0[kk]); c00 = c00.addingProduct(s, x0); c01 = c01.addingProduct(s, x1); c02 = c02.addingProduct(s, x2)
            s = V(repeating: a1[kk]); c10 = c10.addingProduct(s, x0); c11 = c11.addingProduct(s, x1); c12 = c12.addingProduct(s, x2)
            s = V(repeating: a2[kk]); c20 = c20.addingProduct(s, x0); c21 = c21.addingProduct(s, x1); c22 = c22.addingProduct(s, x2)
            s = V(repeating: a3[kk]); c30 = c30.addingProduct(s, x0); c31 = c31.addingProduct(s, x1); c32 = c32.addingProduct(s, x2)
            s = V(repeating: a4[kk]); c40 = c40.addingProduct(s, x0); c41 = c41.addingProduct(s, x1); c42 = c42.addingProduct(s, x2)
            s = V(repeating: a5[kk]); c50 = c50.addingProduct(s, x0); c51 = c51.addingProduct(s, x1); c52 = c52.addingProduct(s, x2)
            kw += panelWidth
            kk += aStep
        }
        finishRow(c00, c01, c02, C, row: n, lanes: lanes, e); finishRow(c10, c11, c12, C + ldc, row: n + 1, lanes: lanes, e)
        finishRow(c20, c21, c22, C + 2 * ldc, row: n + 2, lanes: lanes, e); finishRow(c30, c31, c32, C + 3 * ldc, row: n + 3, lanes: lanes, e)
        finishRow(c40, c41, c42, C + 4 * ldc, row: n + 4, lanes: lanes, e); finishRow(c50, c51, c52, C + 5 * ldc, row: n + 5, lanes: lanes, e)
    }

    /// One row of a `tile6x3`: three vectors' epilogues. A call per row (not inlined) keeps the tile small
    /// enough for the compiler to inline its loads and stores.
    @inline(never)
    static func finishRow(_ v0: SIMD16<Float>, _ v1: SIMD16<Float>, _ v2: SIMD16<Float>, _ c: UnsafeMutablePointer<Float>, row: Int, lanes: Int, _ e: Epilogue) {
        finish(v0, c, row: row, offset: 0, lanes: 16, WholeStore.self, e)
        finish(v1, c + 16, row: row, offset: 16, lanes: 16, WholeStore.self, e)
        if lanes == 16 { finish(v2, c + 32, row: row, offset: 32, lanes: 16, WholeStore.self, e) }
        else { finish(v2, c + 32, row: row, offset: 32, lanes: lanes, PartialStore.self, e) }
    }
    #endif

    /// Epilogue and store of one accumulator. With `Last` = `PartialStore` the block's last vector stores only
    /// its first `lanes` lanes (a group's last channels); the whole blocks are compiled without that branch,
    /// which otherwise made the compiler stop inlining the SIMD loads and stores (calls in the tiles, and slower).
    @inline(__always)
    static func finish<V: FloatVector, Last: LastVectorStore>(_ v: V, _ c: UnsafeMutablePointer<Float>, row n: Int, offset: Int, lanes: Int,
                                                              _: Last.Type, _ e: Epilogue) {
        var v = v
        if let residual = e.residual { v += load(residual + n * e.ldr + offset) as V }
        if e.relu { v = v.relu() }
        if Last.partial { v.storePrefix(c, lanes: lanes) } else { store(c, v) }
    }

    @inline(__always)
    static func column<V: FloatVector, U: FloatVector>(_: V.Type, _: U.Type, two: Bool, lanes: Int, N: Int, K: Int, A: UnsafePointer<Float>, lda: Int,
                                                       aStep: Int, W: UnsafePointer<Float>, ldw: Int, uOffset: Int, C: UnsafeMutablePointer<Float>,
                                                       ldc: Int, bias: UnsafePointer<Float>, _ e: Epilogue) {
        if lanes == (two ? U.scalarCount : V.scalarCount) {
            column(V.self, U.self, two: two, lanes: lanes, WholeStore.self, N: N, K: K, A: A, lda: lda, aStep: aStep, W: W, ldw: ldw, uOffset: uOffset, C: C, ldc: ldc, bias: bias, e)
        } else {
            column(V.self, U.self, two: two, lanes: lanes, PartialStore.self, N: N, K: K, A: A, lda: lda, aStep: aStep, W: W, ldw: ldw, uOffset: uOffset, C: C, ldc: ldc, bias: bias, e)
        }
    }

    @inline(__always)
    static func column<V: FloatVector, U: FloatVector, Last: LastVectorStore>(_: V.Type, _: U.Type, two: Bool, lanes: Int, _: Last.Type, N: Int, K: Int,
                                                                              A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>, ldw: Int, uOffset: Int,
                                                                              C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>, _ e: Epilogue) {
        var n = 0
        while n + 6 <= N {
            if two {
                tile6x2(V.self, U.self, n: n, K: K, A: A + n * lda, lda: lda, aStep: aStep, W: W, ldw: ldw, uOffset: uOffset, C: C + n * ldc, ldc: ldc, bias: bias, lanes: lanes, Last.self, e)
            } else {
                tile6x1(V.self, n: n, K: K, A: A + n * lda, lda: lda, aStep: aStep, W: W, ldw: ldw, C: C + n * ldc, ldc: ldc, bias: bias, lanes: lanes, Last.self, e)
            }
            n += 6
        }
        while n < N {
            if two {
                tile1(V.self, n: n, K: K, A: A + n * lda, aStep: aStep, W: W, ldw: ldw, C: C + n * ldc, bias: bias, offset: 0, lanes: V.scalarCount, WholeStore.self, e)
                tile1(U.self, n: n, K: K, A: A + n * lda, aStep: aStep, W: W + uOffset, ldw: ldw, C: C + n * ldc + V.scalarCount,
                      bias: bias + V.scalarCount, offset: V.scalarCount, lanes: lanes, Last.self, e)
            } else {
                tile1(V.self, n: n, K: K, A: A + n * lda, aStep: aStep, W: W, ldw: ldw, C: C + n * ldc, bias: bias, offset: 0, lanes: lanes, Last.self, e)
            }
            n += 1
        }
    }

    @inline(__always)
    static func tile6x2<V: FloatVector, U: FloatVector, Last: LastVectorStore>(_: V.Type, _: U.Type, n: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int,
                                                        W: UnsafePointer<Float>, ldw: Int, uOffset: Int, C: UnsafeMutablePointer<Float>, ldc: Int,
                                                        bias: UnsafePointer<Float>, lanes: Int, _: Last.Type, _ e: Epilogue) {
        let width = V.scalarCount
        let b0: V = load(bias), b1: U = load(bias + width)
        var c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1
        var c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1
        let a0 = A, a1 = A + lda, a2 = A + 2 * lda, a3 = A + 3 * lda, a4 = A + 4 * lda, a5 = A + 5 * lda
        var wp = W
        var kk = 0
        @inline(__always) func input(_ o: Int) {
            let w0: V = load(wp + o * ldw), w1: U = load(wp + o * ldw + uOffset)
            var s = a0[kk + o]; c00 = c00.addingProduct(V(repeating: s), w0); c01 = c01.addingProduct(U(repeating: s), w1)
            s = a1[kk + o]; c10 = c10.addingProduct(V(repeating: s), w0); c11 = c11.addingProduct(U(repeating: s), w1)
            s = a2[kk + o]; c20 = c20.addingProduct(V(repeating: s), w0); c21 = c21.addingProduct(U(repeating: s), w1)
            s = a3[kk + o]; c30 = c30.addingProduct(V(repeating: s), w0); c31 = c31.addingProduct(U(repeating: s), w1)
            s = a4[kk + o]; c40 = c40.addingProduct(V(repeating: s), w0); c41 = c41.addingProduct(U(repeating: s), w1)
            s = a5[kk + o]; c50 = c50.addingProduct(V(repeating: s), w0); c51 = c51.addingProduct(U(repeating: s), w1)
        }
        if aStep == 1 {
            // Two inputs per iteration: the six row addresses (recomputed from lda each iteration) and the loop
            // control serve 24 FMAs instead of 12; the second input is a constant offset away.
            for _ in 0..<K / 2 {
                input(0)
                input(1)
                wp += 2 * ldw
                kk += 2
            }
            if K % 2 == 1 { input(0) }
        } else {
            for _ in 0..<K {
                input(0)
                wp += ldw
                kk += aStep
            }
        }
        finish(c00, C, row: n, offset: 0, lanes: 0, WholeStore.self, e); finish(c01, C + width, row: n, offset: width, lanes: lanes, Last.self, e)
        finish(c10, C + ldc, row: n + 1, offset: 0, lanes: 0, WholeStore.self, e); finish(c11, C + ldc + width, row: n + 1, offset: width, lanes: lanes, Last.self, e)
        finish(c20, C + 2 * ldc, row: n + 2, offset: 0, lanes: 0, WholeStore.self, e); finish(c21, C + 2 * ldc + width, row: n + 2, offset: width, lanes: lanes, Last.self, e)
        finish(c30, C + 3 * ldc, row: n + 3, offset: 0, lanes: 0, WholeStore.self, e); finish(c31, C + 3 * ldc + width, row: n + 3, offset: width, lanes: lanes, Last.self, e)
        finish(c40, C + 4 * ldc, row: n + 4, offset: 0, lanes: 0, WholeStore.self, e); finish(c41, C + 4 * ldc + width, row: n + 4, offset: width, lanes: lanes, Last.self, e)
        finish(c50, C + 5 * ldc, row: n + 5, offset: 0, lanes: 0, WholeStore.self, e); finish(c51, C + 5 * ldc + width, row: n + 5, offset: width, lanes: lanes, Last.self, e)
    }

    @inline(__always)
    static func tile6x1<V: FloatVector, Last: LastVectorStore>(_: V.Type, n: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>, ldw: Int,
                                        C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>, lanes: Int, _: Last.Type, _ e: Epilogue) {
        let b0: V = load(bias)
        var c0 = b0, c1 = b0, c2 = b0, c3 = b0, c4 = b0, c5 = b0
        let a0 = A, a1 = A + lda, a2 = A + 2 * lda, a3 = A + 3 * lda, a4 = A + 4 * lda, a5 = A + 5 * lda
        var wp = W
        var kk = 0
        for _ in 0..<K {
            let w0: V = load(wp)
            c0 = c0.addingProduct(V(repeating: a0[kk]), w0); c1 = c1.addingProduct(V(repeating: a1[kk]), w0)
            c2 = c2.addingProduct(V(repeating: a2[kk]), w0); c3 = c3.addingProduct(V(repeating: a3[kk]), w0)
            c4 = c4.addingProduct(V(repeating: a4[kk]), w0); c5 = c5.addingProduct(V(repeating: a5[kk]), w0)
            wp += ldw
            kk += aStep
        }
        finish(c0, C, row: n, offset: 0, lanes: lanes, Last.self, e); finish(c1, C + ldc, row: n + 1, offset: 0, lanes: lanes, Last.self, e)
        finish(c2, C + 2 * ldc, row: n + 2, offset: 0, lanes: lanes, Last.self, e); finish(c3, C + 3 * ldc, row: n + 3, offset: 0, lanes: lanes, Last.self, e)
        finish(c4, C + 4 * ldc, row: n + 4, offset: 0, lanes: lanes, Last.self, e); finish(c5, C + 5 * ldc, row: n + 5, offset: 0, lanes: lanes, Last.self, e)
    }

    @inline(__always)
    static func tile1<V: FloatVector, Last: LastVectorStore>(_: V.Type, n: Int, K: Int, A: UnsafePointer<Float>, aStep: Int, W: UnsafePointer<Float>, ldw: Int,
                                      C: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, offset: Int, lanes: Int, _: Last.Type, _ e: Epilogue) {
        var c0: V = load(bias)
        var wp = W
        var kk = 0
        for _ in 0..<K {
            c0 = c0.addingProduct(V(repeating: A[kk]), load(wp) as V)
            wp += ldw
            kk += aStep
        }
        finish(c0, C, row: n, offset: offset, lanes: lanes, Last.self, e)
    }
}

/// How a tile stores the last vector of its column block: whole, or only its first `lanes` lanes (a group's
/// last channels). A type rather than a flag so that whole blocks compile without the lane loop.
protocol LastVectorStore { static var partial: Bool { get } }
enum WholeStore: LastVectorStore { static var partial: Bool { false } }
enum PartialStore: LastVectorStore { static var partial: Bool { true } }
