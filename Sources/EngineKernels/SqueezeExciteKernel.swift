/// The data passes of a squeeze-and-excitation block over NHWC activations, vectorised across channels. The
/// block's other work runs on the 1×1 kernel: the branch's channel means from the means of its input (a
/// one-row GEMM), the two small FCs (one-row GEMMs), and the scale itself, in the second 1×1 convolution's
/// epilogue (`PointwiseKernel.Epilogue.scales`).
public enum SqueezeExciteKernel {
    /// The mean of each of C channels over `pixels` pixels `ld` floats apart (ld ≥ C): output[c], C floats.
    @inline(never) public static func channelMeans(pixels: Int, C: Int, input: UnsafePointer<Float>, ld: Int, output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: C)
        for n in 0..<pixels { PoolingKernels.combine(output, input + n * ld, C, .add) }
        PoolingKernels.combine(output, output, C, .scale(1 / Float(pixels)))
    }

    /// values[i] = 1 / (1 + e^(−values[i])) for i < count (nothing past them is read or written). A scalar `exp`
    /// per channel is a libm call: ~8,600 of them per 1× g3 image.
    @inline(never) public static func sigmoid(count: Int, values: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        var i = 0
        while i + 16 <= count {
            store(values + i, sigmoid(load(values + i) as V))
            i += 16
        }
        guard i < count else { return }
        var tail = V()
        for lane in 0..<count - i { tail[lane] = values[i + lane] }
        sigmoid(tail).storePrefix(values + i, lanes: count - i)
    }

    /// 1 / (1 + e^(−x)), e^y as 2^n · e^r with n = round(y / ln 2), |r| ≤ ln 2 / 2, and e^r from Cephes' expf
    /// polynomial (about 1 ulp); y is clamped to ±87 so that 2^n stays a normal float (the sigmoid is then 0 or 1
    /// to float precision anyway).
    @inline(__always) static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        typealias V = SIMD16<Float>
        let y = (-x).clamped(lowerBound: V(repeating: -87), upperBound: V(repeating: 87))
        // n = round(y · log2 e), by adding 1.5 · 2^23: the sum's bits are those of 1.5 · 2^23 plus n.
        let magic = V(repeating: 12_582_912)
        let t = y * 1.442_695_04 + magic
        let n = t - magic
        var r = y.addingProduct(n, V(repeating: -0.693_359_375))  // y − n · ln 2 in two parts (the first exact)
        r = r.addingProduct(n, V(repeating: 2.121_944_4e-4))
        var p = V(repeating: 1.398_199_95e-3).addingProduct(V(repeating: 1.987_569_15e-4), r)
        p = V(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_6e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_5e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_1e-1).addingProduct(p, r)
        let er = (r + 1).addingProduct(p, r * r)
        // 2^n: n + 127 in the exponent field.
        let bits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127
        let twoN = unsafeBitCast(bits &<< 23, to: V.self)
        return 1 / (1 + er * twoN)
    }
}
