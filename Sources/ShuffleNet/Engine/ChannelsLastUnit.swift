extension InferenceSession {
    /// One unit in NHWC: 1×1 compress (grouped, ReLU), 3×3 depthwise (stride 1 or 2), 1×1 expand over the
    /// channel shuffle; stride 1 adds the input and applies ReLU, stride 2 concatenates the 3×3/2 average-pooled
    /// input before the expanded channels. A stride-2 unit whose output goes to row-planar units finishes in
    /// `runIntoPlanar` instead.
    ///
    /// A stride-1 unit may write its output over its input (`buffers.output` == `buffers.input`): the input is
    /// read whole by the first 1×1 convolution, and after that only as the residual, which the second 1×1
    /// convolution reads at exactly the place it is about to write. One activation buffer less in the cache: in
    /// stage 2 of 2× g3 the two NHWC buffers are 1.5 MB each, and this machine's L2 is 2 MB per core.
    func runChannelsLast(_ unit: PackedNetwork.Unit, side h: Int, _ buffers: UnitBuffers, slot: Int, planarOutput: Bool, split: Bool) {
        let spec = unit.spec
        let out = KernelSet.outputSide(h, stride: spec.stride)
        let pw1 = unit.pointwise1, pw2 = unit.pointwise2
        let mid = spec.mid, cin = spec.inChannels, cout = spec.outChannels
        let xi = buffers.input, t1i = buffers.mid, t2i = buffers.depthwise, yi = buffers.output
        perform(.pointwise(.init(N: h * h, groups: pw1.groups, M: pw1.m, K: pw1.k, A: xi, lda: cin, aStep: 1, aGroupStride: pw1.k,
                                 W: pw1.weight.pointer, C: t1i, ldc: mid, bias: pw1.bias.pointer, relu: true, residual: nil, ldr: 0)),
                split: split, kind: "1×1 compress")
        perform(.depthwise(H: h, C: mid, stride: spec.stride, input: t1i, weights: unit.depthwise.pointer, bias: unit.depthwiseBias.pointer,
                           output: t2i, zeros: zeros.pointer), split: split, kind: spec.stride == 2 ? "depthwise 3×3/2" : "depthwise 3×3")
        if planarOutput {
            runIntoPlanar(unit, side: h, buffers, split: split)
            return
        }
        if spec.stride == 2 {
            perform(.avgPool(H: h, C: cin, input: xi, output: yi, ldo: cout), split: split, kind: "avg pool 3×3/2 shortcut")
        }
        // Second 1×1 conv reads the depthwise output through the channel shuffle: input k of group gi is
        // channel k·g + gi. Stride 1 adds the residual and applies ReLU; stride 2 writes after the shortcut.
        // With squeeze-and-excitation, its weights and bias are first scaled by the block's scales (SqueezeExciteStep.swift).
        let g = pw2.groups
        var expand = EngineStep.Pointwise(N: out * out, groups: g, M: pw2.m, K: pw2.k, A: t2i, lda: mid, aStep: g > 1 ? g : 1,
                                          aGroupStride: g > 1 ? 1 : 0, W: pw2.weight.pointer, C: spec.stride == 2 ? yi + cin : yi, ldc: cout,
                                          bias: pw2.bias.pointer, relu: true, residual: spec.stride == 2 ? nil : UnsafePointer(xi), ldr: cin)
        if let se = unit.se { (expand.W, expand.bias) = squeezeExcite(se, before: expand, slot: slot, split: split) }
        perform(.pointwise(expand), split: split, kind: "1×1 expand")
    }
}
