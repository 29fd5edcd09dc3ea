import EngineKernels
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

    public static func fullyConnected(M: Int, K: Int, input: UnsafePointer<Float>, step: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                      output: UnsafeMutablePointer<Float>, relu: Bool) {
        pointwise(N: 1, M: M, K: K, A: input, lda: 0, aStep: step, W: W, C: output, ldc: M, bias: bias, relu: relu, residual: nil, ldr: 0, packedK: nil)
    }

    public static func scaleColumns(groups: Int, K: Int, M: Int, W: UnsafePointer<Float>, bias: UnsafePointer<Float>, scales: UnsafePointer<Float>,
                                    outW: UnsafeMutablePointer<Float>, outBias: UnsafeMutablePointer<Float>) {
        let perGroup = PointwiseKernel.packedCount(K: K, M: M)
        outW.update(repeating: 0, count: groups * perGroup)
        for gi in 0..<groups {
            for m in 0..<M {
                let c = gi * M + m
                outBias[c] = bias[c] * scales[c]
                for k in 0..<K {
                    let i = gi * perGroup + PointwiseKernel.packedIndex(k: k, m: m, K: K)
                    outW[i] = W[i] * scales[c]
                }
            }
        }
    }
}
