import Foundation
import Synchronization

/// Activation equalization before per-tensor quantization. A unit's first 1×1 output and its depthwise output
/// have channels whose ranges differ by orders of magnitude (BatchNorm folded in), so one scale per tensor leaves
/// the small channels a handful of levels. Both can be rescaled channel by channel without changing what the
/// float network computes (ReLU commutes with positive scales; the depthwise convolution is per channel; the
/// shuffle is a permutation):
/// - first 1×1 output channel c ÷ s_c (its weight row and bias), the depthwise weights of c × s_c — both quantized
///   per output channel, so this costs nothing: every channel of the tensor then spans the widest one's range;
/// - depthwise output channel c ÷ t_c (its weights and bias), the second 1×1 convolution's input column of c × t_c
///   (quantized per output *row*, so here the columns trade precision with the activation): t_c = (a_c / max a)^α.
/// The scales come from each channel's largest |value| over the calibration images.
public enum Equalization {
    /// `weights` equalized for quantization with the activations of `images` (3 × S × S NCHW each).
    public static func equalized(_ weights: ShuffleNetWeights, images: [Activation], alpha: Float = 0.5,
                                 threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> ShuffleNetWeights {
        equalize(weights, channelRanges(weights, images: images, threads: threads), alpha: alpha)
    }

    /// Per unit, per channel: the largest |value| of the first 1×1 output and of the depthwise output (natural order).
    struct ChannelRanges {
        var mid: [[Float]]
        var depthwise: [[Float]]
    }

    static func channelRanges(_ weights: ShuffleNetWeights, images: [Activation], threads: Int) -> ChannelRanges {
        let empty = ChannelRanges(mid: weights.units.map { [Float](repeating: 0, count: $0.spec.mid) },
                                  depthwise: weights.units.map { [Float](repeating: 0, count: $0.spec.mid) })
        let parts = max(1, min(threads, images.count))
        let results = Mutex([ChannelRanges](repeating: empty, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let mine = channelRanges(weights, images: stride(from: part, to: images.count, by: parts).map { images[$0] }, start: empty)
            results.withLock { $0[part] = mine }
        }
        return results.withLock { $0 }.reduce(empty) { total, part in
            ChannelRanges(mid: zip(total.mid, part.mid).map { zip($0, $1).map { max($0, $1) } },
                          depthwise: zip(total.depthwise, part.depthwise).map { zip($0, $1).map { max($0, $1) } })
        }
    }

    private static func channelRanges(_ weights: ShuffleNetWeights, images: [Activation], start: ChannelRanges) -> ChannelRanges {
        var ranges = start
        for image in images {
            Calibration.forward(weights, image, channelsOf: { index, tensor in
                guard index > 0, index % 3 != 0 else { return }
                let unit = (index - 1) / 3, plane = tensor.height * tensor.width
                for c in 0..<tensor.channels {
                    var largest: Float = 0
                    for v in tensor.data[(c * plane)..<((c + 1) * plane)] { largest = max(largest, abs(v)) }
                    if index % 3 == 1 { ranges.mid[unit][c] = max(ranges.mid[unit][c], largest) } else { ranges.depthwise[unit][c] = max(ranges.depthwise[unit][c], largest) }
                }
            })
        }
        return ranges
    }

    /// The equalized network: computes the same function in float (to rounding).
    static func equalize(_ weights: ShuffleNetWeights, _ ranges: ChannelRanges, alpha: Float) -> ShuffleNetWeights {
        let units = weights.units.enumerated().map { u, unit -> UnitWeights in
            let spec = unit.spec, g = spec.groups
            let midMax = ranges.mid[u].max() ?? 0, dwMax = ranges.depthwise[u].max() ?? 0
            // s_c ≤ 1 scales channel c up to the widest; a dead channel (range 0) is left alone.
            let s = ranges.mid[u].map { $0 > 0 && midMax > 0 ? $0 / midMax : 1 }
            let t = ranges.depthwise[u].map { $0 > 0 && dwMax > 0 ? Float(pow(Double($0 / dwMax), Double(alpha))) : 1 }
            let pw1 = unit.pointwise1, dw = unit.depthwise, pw2 = unit.pointwise2
            let perRow1 = pw1.inPerGroup
            let pw1Weight = pw1.weight.indices.map { pw1.weight[$0] / s[$0 / perRow1] }
            let pw1Bias = pw1.bias.indices.map { pw1.bias[$0] / s[$0] }
            let dwWeight = dw.weight.indices.map { dw.weight[$0] * s[$0 / 9] / t[$0 / 9] }
            let dwBias = dw.bias.indices.map { dw.bias[$0] / t[$0] }
            // pw2 row o (group gi = o / (branch / g)) column k reads shuffled position gi·K + k = natural channel k·g + gi.
            let k2 = pw2.inPerGroup, rowsPerGroup = pw2.outChannels / g
            let pw2Weight = pw2.weight.indices.map { i -> Float in
                let o = i / k2, k = i % k2, gi = o / rowsPerGroup
                return pw2.weight[i] * t[g > 1 ? k * g + gi : k]
            }
            return UnitWeights(spec: spec,
                               pointwise1: ConvWeights(outChannels: pw1.outChannels, inPerGroup: pw1.inPerGroup, groups: pw1.groups, kernel: 1, weight: pw1Weight, bias: pw1Bias),
                               depthwise: ConvWeights(outChannels: dw.outChannels, inPerGroup: 1, groups: dw.groups, kernel: 3, weight: dwWeight, bias: dwBias),
                               pointwise2: ConvWeights(outChannels: pw2.outChannels, inPerGroup: k2, groups: pw2.groups, kernel: 1, weight: pw2Weight, bias: pw2.bias))
        }
        return ShuffleNetWeights(config: weights.config, stem: weights.stem, units: units, classifier: weights.classifier)
    }
}

