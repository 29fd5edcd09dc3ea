/// The passes of a squeeze-and-excitation block over NHWC activations, vectorised across channels. The block
/// never stores its branch unscaled: the engine takes the branch's channel means from the means of the second
/// 1×1 convolution's input (the convolution is linear), runs the two FCs, and scales that convolution's weights
/// and bias per output channel (`scaleColumns`), so that the convolution then writes relu(branch · s + residual)
/// with its ordinary epilogue.
public enum SqueezeExciteKernel {
    /// The mean of each of C channels over `pixels` pixels `ld` floats apart (ld ≥ C): output[c], C floats.
    @inline(never) public static func channelMeans(pixels: Int, C: Int, input: UnsafePointer<Float>, ld: Int, output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: C)
        for n in 0..<pixels { PoolingKernels.combine(output, input + n * ld, C, .add) }
        PoolingKernels.combine(output, output, C, .scale(1 / Float(pixels)))
    }

    /// output[m] = relu?(bias[m] + Σ_k input[k·step] · W[k][m]), W in the 1×1 kernel's packed panels ([K][16] per 16
    /// outputs). Four accumulators per panel over k mod 4: the 1×1 kernel's one-row tile is a single chain of K
    /// dependent multiply-adds per vector (4 cycles each), which for the SE FCs (K up to 960) is latency bound.
    @inline(never) public static func fullyConnected(M: Int, K: Int, input: UnsafePointer<Float>, step: Int, W: UnsafePointer<Float>,
                                                     bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, relu: Bool) {
        typealias V = SIMD16<Float>
        var m = 0
        while m < M {
            let w = W + m * K  // panel m / 16: K × 16 floats
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var k = 0, x = input
            while k + 4 <= K {
                a0 = a0.addingProduct(V(repeating: x[0]), load(w + k * 16))
                a1 = a1.addingProduct(V(repeating: x[step]), load(w + k * 16 + 16))
                a2 = a2.addingProduct(V(repeating: x[2 * step]), load(w + k * 16 + 32))
                a3 = a3.addingProduct(V(repeating: x[3 * step]), load(w + k * 16 + 48))
                k += 4
                x += 4 * step
            }
            while k < K {
                a0 = a0.addingProduct(V(repeating: x[0]), load(w + k * 16))
                k += 1
                x += step
            }
            var v = ((a0 + a1) + (a2 + a3)) + (load(bias + m) as V)
            if relu { v = v.relu() }
            if M - m >= 16 { store(output + m, v) } else { v.storePrefix(output + m, lanes: M - m) }
            m += 16
        }
    }

    /// Packed 1×1 weights and bias with output channel c = gi·M + m scaled by scales[c] (see `KernelCopy`). A
    /// group's last panel also reads the scales past its M channels (the next group's, or the 16 floats of
    /// slack): they multiply the panel's zero padding.
    @inline(never) public static func scaleColumns(groups: Int, K: Int, M: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                                   scales: UnsafePointer<Float>, outW: UnsafeMutablePointer<Float>, outBias: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let panels = (M + 15) / 16, perGroup = PointwiseKernel.packedCount(K: K, M: M)
        for gi in 0..<groups {
            for j in 0..<panels {
                let s: V = load(scales + gi * M + 16 * j)
                let src = W + gi * perGroup + j * K * 16, dst = outW + gi * perGroup + j * K * 16
                for k in 0..<K { store(dst + k * 16, (load(src + k * 16) as V) * s) }
            }
        }
        let C = groups * M
        var c = 0
        while c + 16 <= C {
            store(outBias + c, (load(bias + c) as V) * (load(scales + c) as V))
            c += 16
        }
        while c < C {
            outBias[c] = bias[c] * scales[c]
            c += 1
        }
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
        // Not `clamped(lowerBound:upperBound:)`: it stayed an out-of-line call, lane by lane (docs/benchmarks.md).
        var y = -x
        y.replace(with: 87, where: y .> 87)
        y.replace(with: -87, where: y .< -87)
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
