extension InferenceSession {
    /// A stride-1 unit in the row-planar layout (`RowPlanarLayout`): the same three layers, residual and ReLU as
    /// `runChannelsLast`, on buffers whose data is row-planar ([H][C][Wp] per image), written in place as there.
    func runRowPlanar(_ unit: PackedNetwork.Unit, side h: Int, _ buffers: UnitBuffers, split: Bool) {
        let spec = unit.spec, pw1 = unit.pointwise1, pw2 = unit.pointwise2
        let xi = buffers.input, t1i = buffers.mid, t2i = buffers.depthwise, yi = buffers.output
        perform(.planarPointwise(.init(H: h, groups: pw1.groups, M: pw1.m, K: pw1.k, A: xi, inChannels: spec.inChannels, aStep: 1, aGroupStride: pw1.k,
                                       W: pw1.weight.pointer, C: t1i, outChannels: spec.mid, bias: pw1.bias.pointer, relu: true, residual: nil)),
                split: split, kind: "1×1 compress")
        perform(.planarDepthwise(H: h, C: spec.mid, input: t1i, weights: unit.depthwise.pointer, bias: unit.depthwiseBias.pointer, output: t2i,
                                 zeros: zeros.pointer), split: split, kind: "depthwise 3×3")
        // The channel shuffle folded in as in `runChannelsLast`: input k of group gi is channel k·g + gi.
        let g = pw2.groups
        perform(.planarPointwise(.init(H: h, groups: g, M: pw2.m, K: pw2.k, A: t2i, inChannels: spec.mid, aStep: g > 1 ? g : 1, aGroupStride: g > 1 ? 1 : 0,
                                       W: pw2.weight.pointer, C: yi, outChannels: spec.outChannels, bias: pw2.bias.pointer, relu: true,
                                       residual: UnsafePointer(xi))), split: split, kind: "1×1 expand")
    }
}
