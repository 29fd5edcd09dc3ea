/// The two data passes of a squeeze-and-excitation block over NHWC activations, vectorised across channels
/// (the two small FCs between them run in the engine: C ≤ 1920 inputs, a few thousand multiply-adds).
public enum SqueezeExciteKernel {
    /// The mean of each of C channels over `pixels` pixels `ld` floats apart (ld ≥ C: a stride-2 unit's branch
    /// is channels [in, out) of its output): output[c], C floats.
    @inline(never) public static func channelMeans(pixels: Int, C: Int, input: UnsafePointer<Float>, ld: Int, output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: C)
        for n in 0..<pixels { PoolingKernels.combine(output, input + n * ld, C, .add) }
        PoolingKernels.combine(output, output, C, .scale(1 / Float(pixels)))
    }

    /// output[n·ldo + c] = relu?(input[n·ld + c] · scales[c] + residual[n·ldr + c]) for pixels `rows` of N
    /// (nil: all); `output` may be `input` or `residual` (each element is read before it is written).
    @inline(never) public static func scale(N: Int, C: Int, input: UnsafePointer<Float>, ld: Int, scales: UnsafePointer<Float>,
                                            residual: UnsafePointer<Float>?, ldr: Int, output: UnsafeMutablePointer<Float>, ldo: Int,
                                            relu: Bool, rows: Range<Int>?) {
        for n in rows ?? 0..<N {
            let i = input + n * ld, o = output + n * ldo, r = residual.map { $0 + n * ldr }
            var c = 0
            while c + 16 <= C { scaleBlock(SIMD16<Float>.self, c, i, scales, r, o, relu); c += 16 }
            if c + 8 <= C { scaleBlock(SIMD8<Float>.self, c, i, scales, r, o, relu); c += 8 }
            if c + 4 <= C { scaleBlock(SIMD4<Float>.self, c, i, scales, r, o, relu); c += 4 }
            while c < C {
                var v = i[c] * scales[c] + (r?[c] ?? 0)
                if relu { v = max(v, 0) }
                o[c] = v
                c += 1
            }
        }
    }

    /// Channels c ..< c + V.scalarCount of one pixel.
    @inline(__always)
    static func scaleBlock<V: FloatVector>(_: V.Type, _ c: Int, _ input: UnsafePointer<Float>, _ scales: UnsafePointer<Float>,
                                           _ residual: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>, _ relu: Bool) {
        var v = (load(input + c) as V) * (load(scales + c) as V)
        if let residual { v += load(residual + c) as V }
        store(output + c, relu ? v.relu() : v)
    }
}
