extension ShuffleNetModel {
    /// This model quantized to int8 with calibrated activation ranges: a model file's bytes (safetensors), which
    /// `load` reads back as an int8 model.
    /// `means` corrects each convolution's bias for its weights' rounding; `correctOn` (calibration images) then
    /// corrects each unit's output drift empirically (`BiasCorrection`).
    public func quantizedFile(_ info: QuantizationInfo, means: InputMeans? = nil, correctOn images: [Activation] = []) throws(WeightsError) -> [UInt8] {
        var quantized = try QuantizedWeights(quantizing: weights, info: info, means: means)
        if !images.isEmpty { quantized = BiasCorrection.corrected(quantized, float: weights, images: images) }
        return Safetensors.serialize(quantized.tensors,
                                     metadata: Self.metadata(name: name, config: config, preprocessing: preprocessing, labels: labels, quantization: info))
    }
}
