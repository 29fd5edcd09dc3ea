import Foundation
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

    public static func sigmoid(count: Int, values: UnsafeMutablePointer<Float>) {
        for i in 0..<count { values[i] = Float(1 / (1 + exp(-Double(values[i])))) }
    }
}
