import Synchronization
import Foundation

/// Post-training static calibration: the float network runs over calibration images while every activation
/// tensor the int8 engine quantizes is observed (the stem's output; each unit's first 1×1 output, depthwise output
/// and output); each `CalibrationMethod` then turns the observations into a `QuantizationInfo`.
/// Two passes over the images: ranges, then histograms over those ranges.
public enum Calibration {
    /// Calibrates `weights` on `images` (preprocessed, 3 × S × S NCHW each) for every method in `methods`.
    /// The images are spread over `threads` threads.
    public static func calibrate(_ weights: ShuffleNetWeights, images: [Activation],
                                 methods: [CalibrationMethod], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(WeightsError) -> [QuantizationInfo] {
        guard weights.config.seReduction == nil else {
            throw .architecture("the int8 engine does not run squeeze-and-excitation networks (se_reduction \(weights.config.seReduction!))")
        }
        guard !images.isEmpty else { throw .architecture("calibration needs at least one image") }
        let empty = [ActivationHistogram(signed: false)] + weights.units.flatMap { _ in
            [ActivationHistogram(signed: false), ActivationHistogram(signed: true), ActivationHistogram(signed: false)]
        }
        // Pass 1: ranges. Pass 2: histograms over the merged ranges.
        let ranged = observe(weights, images: images, threads: threads, start: empty) { h, values in h.observeRange(values) }
            .reduce(empty) { total, part in zip(total, part).map { var t = $0; t.merge(range: $1); return t } }
        let counted = observe(weights, images: images, threads: threads, start: ranged) { h, values in h.observeHistogram(values) }
            .reduce(ranged) { total, part in zip(total, part).map { var t = $0; t.merge(counts: $1); return t } }
        // The counts of `ranged` were all zero, so the reduction above added each thread's counts once.
        return methods.map { method in
            let q = counted.map { h -> ActivationQuantization in
                let (lo, hi) = h.range(method)
                return .covering(min: h.signed ? lo : 0, max: hi)
            }
            let units = weights.units.indices.map { i in UnitActivations(mid: q[1 + 3 * i], depthwise: q[2 + 3 * i], output: q[3 + 3 * i]) }
            return QuantizationInfo(method: method.description, calibrationImages: images.count, stem: q[0], units: units)
        }
    }

    /// Runs the images through the float network on `threads` threads, each with its own copy of `start`
    /// updated by `record(histogram, values)` for each observed tensor.
    private static func observe(_ weights: ShuffleNetWeights, images: [Activation], threads: Int, start: [ActivationHistogram],
                                record: @escaping @Sendable (inout ActivationHistogram, [Float]) -> Void) -> [[ActivationHistogram]] {
        let parts = max(1, min(threads, images.count))
        let results = Mutex(Array(repeating: start, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var mine = start
            for i in stride(from: part, to: images.count, by: parts) {
                forward(weights, images[i]) { index, values in record(&mine[index], values) }
            }
            let done = mine
            results.withLock { $0[part] = done }
        }
        return results.withLock { $0 }
    }

    /// The float forward pass (`ReferenceNetwork`) reporting each quantized tensor: 0 the stem's output,
    /// 1 + 3i unit i's first 1×1 output, 2 + 3i its depthwise output, 3 + 3i its output.
    static func forward(_ weights: ShuffleNetWeights, _ input: Activation, observe: (Int, [Float]) -> Void) {
        forward(weights, input, channelsOf: { observe($0, $1.data) })
    }

    /// The same pass reporting whole tensors (NCHW), for per-channel statistics.
    /// `unitInputs`, when given, also sees each unit's three convolution inputs: (unit, x, first 1×1 output, shuffled
    /// depthwise output).
    static func forward(_ weights: ShuffleNetWeights, _ input: Activation, channelsOf observe: (Int, Activation) -> Void,
                        unitInputs: ((Int, Activation, Activation, Activation) -> Void)? = nil) {
        var x = ReferenceKernels.conv(input, weights.stem, stride: 2, pad: 1, relu: true)
        observe(0, x)
        x = ReferenceKernels.maxPool3x3s2(x)
        for (i, unit) in weights.units.enumerated() {
            let mid = ReferenceKernels.conv(x, unit.pointwise1, stride: 1, pad: 0, relu: true)
            observe(1 + 3 * i, mid)
            var branch = ReferenceKernels.conv(mid, unit.depthwise, stride: unit.spec.stride, pad: 1, relu: false)
            observe(2 + 3 * i, branch)
            if unit.spec.groups > 1 { branch = ReferenceKernels.channelShuffle(branch, groups: unit.spec.groups) }
            unitInputs?(i, x, mid, branch)
            branch = ReferenceKernels.conv(branch, unit.pointwise2, stride: 1, pad: 0, relu: false)
            x = unit.spec.stride == 1 ? ReferenceKernels.addReLU(x, branch)
                : ReferenceKernels.concat(ReferenceKernels.avgPool3x3s2(x), ReferenceKernels.relu(branch))
            observe(3 + 3 * i, x)
        }
    }

    /// Per unit, the mean of every input channel of its three convolutions over `images` (the shuffled order for the
    /// second 1×1): what bias correction weighs the weights' rounding errors with.
    public static func inputMeans(_ weights: ShuffleNetWeights, images: [Activation],
                                  threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> InputMeans {
        let empty = InputMeans(pointwise1: weights.units.map { [Double](repeating: 0, count: $0.spec.inChannels) },
                               depthwise: weights.units.map { [Double](repeating: 0, count: $0.spec.mid) },
                               pointwise2: weights.units.map { [Double](repeating: 0, count: $0.spec.mid) })
        let parts = max(1, min(threads, images.count))
        let results = Mutex([InputMeans](repeating: empty, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var sums = empty
            for i in stride(from: part, to: images.count, by: parts) {
                forward(weights, images[i], channelsOf: { _, _ in }, unitInputs: { u, x, mid, shuffled in
                    InputMeans.add(x, to: &sums.pointwise1[u])
                    InputMeans.add(mid, to: &sums.depthwise[u])
                    InputMeans.add(shuffled, to: &sums.pointwise2[u])
                })
            }
            let done = sums
            results.withLock { $0[part] = done }
        }
        let total = results.withLock { $0 }.reduce(empty) { a, b in
            InputMeans(pointwise1: zip(a.pointwise1, b.pointwise1).map { zip($0, $1).map(+) },
                       depthwise: zip(a.depthwise, b.depthwise).map { zip($0, $1).map(+) },
                       pointwise2: zip(a.pointwise2, b.pointwise2).map { zip($0, $1).map(+) })
        }
        let n = Double(images.count)
        return InputMeans(pointwise1: total.pointwise1.map { $0.map { $0 / n } }, depthwise: total.depthwise.map { $0.map { $0 / n } },
                          pointwise2: total.pointwise2.map { $0.map { $0 / n } })
    }
}
