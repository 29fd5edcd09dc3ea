/// The row-planar activation layout, and the conversions between it and NHWC (channels last).
///
/// Row-planar: for each image row y and channel c, the row's W pixels are contiguous and padded with zeros
/// to `paddedWidth(W)` floats (Wp, a multiple of 16 and at least W + 1):
///   value(y, x, c) at (y·C + c)·Wp + x,   lanes x ∈ [W, Wp) always 0.
/// Pixels, not channels, run along the vector. A 1×1 convolution whose groups have few channels (6 outputs
/// per group in 0.5× g8, 10 in 0.5× g3) then uses every lane of every FMA, where in NHWC a 6-channel group
/// leaves 10 of 16 lanes idle. The zero lane after each row is what the depthwise kernel's left and right
/// neighbours read at the image's edge (x = −1 reads the previous row's last lane), so every kernel that
/// writes this layout keeps the padding zero. Buffers holding it need 16 readable floats before and after.
public enum RowPlanarLayout {
    /// Wp: W rounded up to a multiple of 16, leaving at least one zero lane after the row.
    public static func paddedWidth(_ W: Int) -> Int { (W + 16) / 16 * 16 }

    /// 1 in the lanes of a row's last 16-pixel vector that hold pixels, 0 in its padding lanes: writers multiply
    /// that vector by it to keep the padding zero. (A multiply rather than `replacing(with:where:)`, whose
    /// inlined body made the compiler stop inlining the 1×1 epilogue: a call per output vector. The values are
    /// finite, so padding becomes ±0, which reads as zero.)
    static func lastVectorKeep(W: Int) -> SIMD16<Float> {
        let first = paddedWidth(W) - 16
        var keep = SIMD16<Float>()
        for lane in 0..<16 where first + lane < W { keep[lane] = 1 }
        return keep
    }

    /// NHWC [H][W][C] (pixel stride C) → row-planar for image rows `rows`, into channels [0, C) of a tensor
    /// with `outputChannels` (≥ C) channels per row, in 16 × 16 blocks transposed in registers; pixels past W
    /// are written as zeros.
    @inline(never) public static func fromChannelsLast(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                                       outputChannels: Int, rows: Range<Int>? = nil) {
        let wp = paddedWidth(W)
        for y in rows ?? 0..<H {
            for x0 in stride(from: 0, to: wp, by: 16) {
                let pixels = max(0, min(16, W - x0))
                for c0 in stride(from: 0, to: C, by: 16) {
                    // Row i of the block is pixel x0 + i's 16 channels from c0 (lanes past C read the next pixel
                    // or buffer slack; they become rows that are never stored).
                    var block = Block16(rows: pixels) { input + ((y * W + x0 + $0) * C + c0) }
                    block.transpose()
                    block.write(rows: min(16, C - c0), lanes: 16) { output + ((y * outputChannels + c0 + $0) * wp + x0) }
                }
            }
        }
    }

    /// Row-planar [H][C][Wp] → NHWC with pixel stride `ldo` (≥ C), channels [0, C), for image rows `rows`.
    @inline(never) public static func toChannelsLast(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int,
                                                     rows: Range<Int>? = nil) {
        let wp = paddedWidth(W)
        for y in rows ?? 0..<H {
            for x0 in stride(from: 0, to: W, by: 16) {
                for c0 in stride(from: 0, to: C, by: 16) {
                    let channels = min(16, C - c0)
                    var block = Block16(rows: channels) { input + ((y * C + c0 + $0) * wp + x0) }
                    block.transpose()
                    block.write(rows: min(16, W - x0), lanes: channels) { output + ((y * W + x0 + $0) * ldo + c0) }
                }
            }
        }
    }
}

/// A 16 × 16 block of floats in sixteen vector registers, transposed with two-source permutes.
struct Block16 {
    typealias V = SIMD16<Float>
    var r0 = V(), r1 = V(), r2 = V(), r3 = V(), r4 = V(), r5 = V(), r6 = V(), r7 = V()
    var r8 = V(), r9 = V(), r10 = V(), r11 = V(), r12 = V(), r13 = V(), r14 = V(), r15 = V()

    /// Loads rows 0 ..< `rows` (16 floats each from `address(i)`); the other rows are zero.
    @inline(__always) init(rows: Int, _ address: (Int) -> UnsafePointer<Float>) {
        if rows > 0 { r0 = load(address(0)) }; if rows > 1 { r1 = load(address(1)) }
        if rows > 2 { r2 = load(address(2)) }; if rows > 3 { r3 = load(address(3)) }
        if rows > 4 { r4 = load(address(4)) }; if rows > 5 { r5 = load(address(5)) }
        if rows > 6 { r6 = load(address(6)) }; if rows > 7 { r7 = load(address(7)) }
        if rows > 8 { r8 = load(address(8)) }; if rows > 9 { r9 = load(address(9)) }
        if rows > 10 { r10 = load(address(10)) }; if rows > 11 { r11 = load(address(11)) }
        if rows > 12 { r12 = load(address(12)) }; if rows > 13 { r13 = load(address(13)) }
        if rows > 14 { r14 = load(address(14)) }; if rows > 15 { r15 = load(address(15)) }
    }

    /// Stores the first `lanes` lanes of rows 0 ..< `rows` at `address(i)`.
    @inline(__always) func write(rows: Int, lanes: Int, _ address: (Int) -> UnsafeMutablePointer<Float>) {
        @inline(__always) func put(_ v: V, _ i: Int) {
            if lanes == 16 { store(address(i), v) } else { v.storePrefix(address(i), lanes: lanes) }
        }
        if rows > 0 { put(r0, 0) }; if rows > 1 { put(r1, 1) }; if rows > 2 { put(r2, 2) }; if rows > 3 { put(r3, 3) }
        if rows > 4 { put(r4, 4) }; if rows > 5 { put(r5, 5) }; if rows > 6 { put(r6, 6) }; if rows > 7 { put(r7, 7) }
        if rows > 8 { put(r8, 8) }; if rows > 9 { put(r9, 9) }; if rows > 10 { put(r10, 10) }; if rows > 11 { put(r11, 11) }
        if rows > 12 { put(r12, 12) }; if rows > 13 { put(r13, 13) }; if rows > 14 { put(r14, 14) }; if rows > 15 { put(r15, 15) }
    }

    /// Element (i, j) moves to (j, i). Each round sends (row i, lane j) — the 8-bit index i·16 + j — to
    /// (j₀ i₃ i₂ i₁, i₀ j₃ j₂ j₁): the index rotated right by one bit. Four rounds rotate it by four,
    /// swapping the row and lane halves. A round is 16 two-source permutes (vpermt2ps on AVX-512).
    @inline(__always) mutating func transpose() {
        for _ in 0..<4 {
            let n0 = Self.evens(r0, r1), n1 = Self.evens(r2, r3), n2 = Self.evens(r4, r5), n3 = Self.evens(r6, r7)
            let n4 = Self.evens(r8, r9), n5 = Self.evens(r10, r11), n6 = Self.evens(r12, r13), n7 = Self.evens(r14, r15)
            let n8 = Self.odds(r0, r1), n9 = Self.odds(r2, r3), n10 = Self.odds(r4, r5), n11 = Self.odds(r6, r7)
            let n12 = Self.odds(r8, r9), n13 = Self.odds(r10, r11), n14 = Self.odds(r12, r13), n15 = Self.odds(r14, r15)
            r0 = n0; r1 = n1; r2 = n2; r3 = n3; r4 = n4; r5 = n5; r6 = n6; r7 = n7
            r8 = n8; r9 = n9; r10 = n10; r11 = n11; r12 = n12; r13 = n13; r14 = n14; r15 = n15
        }
    }

    @inline(__always) static func evens(_ a: V, _ b: V) -> V { V(lowHalf: a.evenHalf, highHalf: b.evenHalf) }
    @inline(__always) static func odds(_ a: V, _ b: V) -> V { V(lowHalf: a.oddHalf, highHalf: b.oddHalf) }
}
