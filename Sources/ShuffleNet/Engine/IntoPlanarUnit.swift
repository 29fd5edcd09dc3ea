extension InferenceSession {
    /// The rest of a stride-2 unit whose output goes to row-planar units, after its NHWC depthwise (in
    /// `buffers.depthwise`): the shortcut is pooled into `buffers.mid` (free again) and converted into planes
    /// [0, C_in) of the output; the depthwise output is converted into `buffers.mid`, and the second 1×1
    /// convolution runs planar into planes [C_in, C_out). In 0.5× g8 this converts 24 + 48 channels instead of the
    /// unit's 192 output channels, and the 1×1 convolution (6 inputs and 21 outputs per group) uses whole vectors.
    func runIntoPlanar(_ unit: PackedNetwork.Unit, side h: Int, _ buffers: UnitBuffers, split: Bool) {
        let spec = unit.spec, pw2 = unit.pointwise2
        let out = KernelSet.outputSide(h, stride: spec.stride), wp = KernelSet.paddedWidth(out)
        let cin = spec.inChannels, cout = spec.outChannels
        let xi = buffers.input, t1i = buffers.mid, t2i = buffers.depthwise, yi = buffers.output
        perform(.avgPool(H: h, C: cin, input: xi, output: t1i, ldo: cin), split: split, kind: "avg pool 3×3/2 shortcut")
        perform(.toPlanar(H: out, C: cin, input: t1i, output: yi, outputChannels: cout), split: split, kind: "to row-planar", detail: " (shortcut)")
        perform(.toPlanar(H: out, C: spec.mid, input: t2i, output: t1i, outputChannels: spec.mid), split: split, kind: "to row-planar",
                detail: " (depthwise output)")
        let g = pw2.groups
        perform(.planarPointwise(.init(H: out, groups: g, M: pw2.m, K: pw2.k, A: t1i, inChannels: spec.mid, aStep: g > 1 ? g : 1, aGroupStride: g > 1 ? 1 : 0,
                                       W: pw2.weight.pointer, C: yi + cin * wp, outChannels: cout, bias: pw2.bias.pointer, relu: true, residual: nil)),
                split: split, kind: "1×1 expand")
    }
}
