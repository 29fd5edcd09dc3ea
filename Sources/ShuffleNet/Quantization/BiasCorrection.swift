import Foundation

/// Empirical bias correction, unit by unit: after quantization each unit's output channels drift from the float
/// network's on average (rounding and clipping are not zero-mean once ReLU and clipping act on them). For unit
/// u in order, the calibration images run through the int8 engine (units before u already corrected), each
/// output channel's mean is compared with the float network's, and the difference is added to the bias of u's
/// second 1×1 convolution (the branch channels). Through the stride-1 ReLU this is a first-order step, not an
/// exact solve; it removes most of the drift that otherwise accumulates over 16 units.
public enum BiasCorrection {
    public static func corrected(_ q: QuantizedWeights, float weights: ShuffleNetWeights, images: [Activation]) -> QuantizedWeights {
        // The float network's per-channel output means of every unit (natural NCHW planes).
        var floatMeans = weights.units.map { [Double](repeating: 0, count: $0.spec.outChannels) }
        for image in images {
            Calibration.forward(weights, image, channelsOf: { index, tensor in
                guard index > 0, index % 3 == 0 else { return }
                InputMeans.add(tensor, to: &floatMeans[index / 3 - 1])
            })
        }
        floatMeans = floatMeans.map { $0.map { $0 / Double(images.count) } }
        var units = q.units
        for u in units.indices {
            let current = QuantizedWeights(config: q.config, info: q.info, stem: q.stem, units: units, classifier: q.classifier)
            let session = QuantizedSession(network: QuantizedNetwork(current), inputSize: images[0].height)
            let spec = units[u].spec, channels = spec.outChannels
            var sums = [Double](repeating: 0, count: channels)
            session.unitObserver = { index, output in
                guard index == u else { return }
                let pixels = output.count / channels
                for p in 0..<pixels { for c in 0..<channels { sums[c] += Double(output[p * channels + c]) / Double(pixels) } }
            }
            for image in images {
                session.setInput(image)
                session.forward(batch: 1)
            }
            let scale = Double(q.info.units[u].output.scale), first = spec.stride == 1 ? 0 : spec.inChannels
            let pw2 = units[u].pointwise2
            let bias = (0..<pw2.outChannels).map { o -> Float in
                let quantizedMean = scale * sums[first + o] / Double(images.count)
                return Float(Double(pw2.bias[o]) + floatMeans[u][first + o] - quantizedMean)
            }
            units[u] = QuantizedWeights.QuantizedUnit(
                spec: spec, pointwise1: units[u].pointwise1, depthwise: units[u].depthwise,
                pointwise2: QuantizedConv(outChannels: pw2.outChannels, inPerGroup: pw2.inPerGroup, groups: pw2.groups, kernel: pw2.kernel,
                                          weight: pw2.weight, weightScale: pw2.weightScale, bias: bias))
        }
        return QuantizedWeights(config: q.config, info: q.info, stem: q.stem, units: units, classifier: q.classifier)
    }
}
