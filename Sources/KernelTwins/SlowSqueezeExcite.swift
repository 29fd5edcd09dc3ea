import KernelInterface

/// The slow twins of the squeeze-and-excitation passes (`SqueezeExciteKernel`), one float at a time.
extension SlowKernels {
    public static func channelMeans(pixels: Int, C: Int, input: UnsafePointer<Float>, ld: Int, output: UnsafeMutablePointer<Float>) {
        for c in 0..<C {
            var sum: Float = 0
            for p in 0..<pixels { sum += input[p * ld + c] }
            output[c] = sum / Float(pixels)
        }
    }

    public static func scaleChannels(N: Int, C: Int, input: UnsafePointer<Float>, ld: Int, scales: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                                     ldr: Int, output: UnsafeMutablePointer<Float>, ldo: Int, relu: Bool, rows: Range<Int>?) {
        for n in rows ?? 0..<N {
            for c in 0..<C {
                let value = input[n * ld + c] * scales[c] + (residual.map { $0[n * ldr + c] } ?? 0)
                output[n * ldo + c] = relu ? max(value, 0) : value
            }
        }
    }
}
