/// The network evaluated layer by layer with the reference kernels, exactly as Megvii's module runs it.
public enum ReferenceNetwork {
    /// Logits for one image, `input` being 3 × inputSize × inputSize (NCHW, already preprocessed).
    public static func logits(_ weights: ShuffleNetWeights, input: Activation) -> [Float] {
        var x = ReferenceKernels.conv(input, weights.stem, stride: 2, pad: 1, relu: true)
        x = ReferenceKernels.maxPool3x3s2(x)
        for unit in weights.units { x = forward(unit, x) }
        let pooled = ReferenceKernels.globalAveragePool(x)
        return ReferenceKernels.linear(pooled, weight: weights.classifier, rows: weights.config.classes)
    }

    /// One unit: branch = se(pw2(shuffle(dw(pw1(x))))) (se only when the network has it); stride 1 → ReLU(x + branch); stride 2 → [avgpool(x); ReLU(branch)].
    static func forward(_ unit: UnitWeights, _ x: Activation) -> Activation {
        var branch = ReferenceKernels.conv(x, unit.pointwise1, stride: 1, pad: 0, relu: true)
        branch = ReferenceKernels.conv(branch, unit.depthwise, stride: unit.spec.stride, pad: 1, relu: false)
        if unit.spec.groups > 1 { branch = ReferenceKernels.channelShuffle(branch, groups: unit.spec.groups) }
        branch = ReferenceKernels.conv(branch, unit.pointwise2, stride: 1, pad: 0, relu: false)
        if let se = unit.se { branch = ReferenceKernels.squeezeExcite(branch, se) }
        if unit.spec.stride == 1 { return ReferenceKernels.addReLU(x, branch) }
        return ReferenceKernels.concat(ReferenceKernels.avgPool3x3s2(x), ReferenceKernels.relu(branch))
    }
}
