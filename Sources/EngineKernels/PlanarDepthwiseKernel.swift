/// 3×3 depthwise convolution, pad 1, stride 1, with bias, over row-planar activations (`RowPlanarLayout`):
///   out[y][c][x] = bias[c] + Σ_{dy,dx ∈ −1…1} w[(dy+1)·3 + dx+1][c] · in[y+dy][c][x+dx]
/// Pixels run along the vector, so each output vector is nine FMAs over unaligned loads at x − 1, x, x + 1;
/// the kernel slides down each channel's column of vectors, loading each input row's three vectors once.
/// The left and right image edges need no code: x = −1 reads the lane before the row, which is the previous
/// row's (or the buffer's leading slack's) zero padding, and x = W reads this row's zero padding. Rows above
/// and below the image read `zeros` (at least C·Wp + 32 zeros; its first 16 floats stand in for the slack).
/// Weights are tap-major, as in `DepthwiseKernel`: w[t·C + c].
public enum PlanarDepthwiseKernel {
    typealias V = SIMD16<Float>

    @inline(never) public static func run(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                          output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>? = nil) {
        let wp = RowPlanarLayout.paddedWidth(W), rowStride = C * wp
        let keep = RowPlanarLayout.lastVectorKeep(W: W)  // zeroes the padding lanes of a row's last vector
        let rows = rows ?? 0..<H
        guard !rows.isEmpty else { return }
        for c in 0..<C {
            let w00 = V(repeating: weights[c]), w01 = V(repeating: weights[C + c]), w02 = V(repeating: weights[2 * C + c])
            let w10 = V(repeating: weights[3 * C + c]), w11 = V(repeating: weights[4 * C + c]), w12 = V(repeating: weights[5 * C + c])
            let w20 = V(repeating: weights[6 * C + c]), w21 = V(repeating: weights[7 * C + c]), w22 = V(repeating: weights[8 * C + c])
            let b = V(repeating: bias[c])
            var x0 = 0
            while x0 < wp {
                // A column of vectors slid down the rows: each input row's three shifted loads serve three outputs.
                @inline(__always) func taps(_ y: Int) -> (V, V, V) {
                    let p = (y >= 0 && y < H ? input + y * rowStride : zeros + 16) + c * wp + x0
                    return (load(p - 1), load(p), load(p + 1))
                }
                var above = taps(rows.lowerBound - 1), here = taps(rows.lowerBound)
                let last = x0 + 16 == wp
                for y in rows {
                    let below = taps(y + 1)
                    var acc = b.addingProduct(above.0, w00).addingProduct(above.1, w01).addingProduct(above.2, w02)
                    acc = acc.addingProduct(here.0, w10).addingProduct(here.1, w11).addingProduct(here.2, w12)
                    acc = acc.addingProduct(below.0, w20).addingProduct(below.1, w21).addingProduct(below.2, w22)
                    if last { acc *= keep }
                    store(output + y * rowStride + c * wp + x0, acc)
                    above = here
                    here = below
                }
                x0 += 16
            }
        }
    }
}
