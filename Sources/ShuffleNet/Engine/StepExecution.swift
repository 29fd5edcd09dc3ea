extension InferenceSession {
    /// Inputs per pass of a 1×1 convolution without residual: a 32-output column block's weights for 256
    /// inputs are 32 KB, which stay in L1 (48 KB) while every 6-row tile reads them. (2× g3 stage 4: K = 640,
    /// 80 KB per column block, streamed from L2 again for each of the 9 row tiles.)
    static let kBlock = 256

    /// Part `part` of `parts` of a step, on the session's kernel copy. Every part writes its own output rows (or
    /// images); the helper threads of a `SpinTeam` call this with their part numbers.
    func execute(_ step: EngineStep, part: Int, parts: Int) {
        switch step {
        case .idle:
            break
        case .images(let batch):
            forwardImages(EngineStep.share(batch, part: part, parts: parts), slot: part, scratch: patches[part], split: false)
        case .stem(let s):
            let out = KernelSet.outputSide(s.side, stride: 2)
            let rows = EngineStep.share(out, part: part, parts: parts), scratch = s.scratch ?? patches[part].pointer
            for band in stride(from: rows.lowerBound, to: rows.upperBound, by: Self.stemBand) {
                let bandRows = band..<min(band + Self.stemBand, rows.upperBound)
                kernelCopy.stemPatches(H: s.side, W: s.side, input: s.input, rows: scratch, outputRows: bandRows)
                kernelCopy.pointwise(N: bandRows.count * out, M: s.M, K: 27, A: scratch, lda: 27, aStep: 1, W: s.W, C: s.output + band * out * s.M,
                                     ldc: s.M, bias: s.bias, relu: true, residual: nil, ldr: 0, packedK: nil)
            }
        case .pointwise(let p):
            let rows = EngineStep.share(p.N, part: part, parts: parts, quantum: kernelCopy.rowTile)
            guard !rows.isEmpty else { return }
            // Long K in blocks (layers without a residual: the residual slot carries the partial sums), so that a
            // column block's weights stay in L1 across the row tiles (see `kBlock`).
            let block = p.residual == nil ? Self.kBlock : p.K
            for gi in 0..<p.groups {
                let a = p.A + gi * p.aGroupStride + rows.lowerBound * p.lda, w = p.W + gi * KernelSet.packedCount(K: p.K, M: p.M)
                let c = p.C + gi * p.M + rows.lowerBound * p.ldc
                var k0 = 0
                while k0 < p.K {
                    let count = min(block, p.K - k0), first = k0 == 0, last = k0 + count == p.K
                    // First block: bias (+ residual); later ones: zero bias + the partial sums in C; ReLU at the end.
                    kernelCopy.pointwise(N: rows.count, M: p.M, K: count, A: a + k0 * p.aStep, lda: p.lda, aStep: p.aStep, W: w + k0 * KernelSet.panelWidth,
                                         C: c, ldc: p.ldc, bias: first ? p.bias + gi * p.M : UnsafePointer(zeros.pointer), relu: last && p.relu,
                                         residual: first ? p.residual.map { $0 + gi * p.M + rows.lowerBound * p.ldr } : UnsafePointer(c),
                                         ldr: first ? p.ldr : p.ldc, packedK: p.K)
                    k0 += count
                }
            }
        case .classifier(let p):
            let panels = (p.M + KernelSet.panelWidth - 1) / KernelSet.panelWidth
            let mine = EngineStep.share(panels, part: part, parts: parts)
            guard !mine.isEmpty else { return }
            let m0 = mine.lowerBound * KernelSet.panelWidth, m1 = min(p.M, mine.upperBound * KernelSet.panelWidth)
            kernelCopy.pointwise(N: p.N, M: m1 - m0, K: p.K, A: p.A, lda: p.lda, aStep: p.aStep, W: p.W + mine.lowerBound * p.K * KernelSet.panelWidth,
                                 C: p.C + m0, ldc: p.ldc, bias: p.bias + m0, relu: p.relu, residual: nil, ldr: 0, packedK: p.K)
        case .depthwise(let H, let C, let stride, let source, let weights, let bias, let output, let zeros):
            let rows = EngineStep.share(KernelSet.outputSide(H, stride: stride), part: part, parts: parts)
            guard !rows.isEmpty else { return }
            kernelCopy.depthwise(H: H, W: H, C: C, stride: stride, input: source, weights: weights, bias: bias, output: output, zeros: zeros, rows: rows)
        case .maxPool(let H, let C, let source, let output):
            let rows = EngineStep.share(KernelSet.outputSide(H, stride: 2), part: part, parts: parts)
            if !rows.isEmpty { kernelCopy.maxPool(H: H, W: H, C: C, input: source, output: output, rows: rows) }
        case .avgPool(let H, let C, let source, let output, let ldo):
            let rows = EngineStep.share(KernelSet.outputSide(H, stride: 2), part: part, parts: parts)
            if !rows.isEmpty { kernelCopy.avgPool(H: H, W: H, C: C, input: source, output: output, ldo: ldo, rows: rows) }
        case .planarPointwise(let p):
            // Rows in fours: a tile takes four consecutive vectors, which may span rows.
            let rows = EngineStep.share(p.H, part: part, parts: parts, quantum: 4)
            guard !rows.isEmpty else { return }
            let wp = KernelSet.paddedWidth(p.H)
            kernelCopy.planarPointwise(rows: rows, W: p.H, groups: p.groups, M: p.M, K: p.K, A: p.A, aRow: p.inChannels * wp, aStep: p.aStep,
                                       aGroupStride: p.aGroupStride, weights: p.W, C: p.C, cRow: p.outChannels * wp, bias: p.bias, relu: p.relu,
                                       residual: p.residual, rRow: p.outChannels * wp)
        case .planarDepthwise(let H, let C, let source, let weights, let bias, let output, let zeros):
            let rows = EngineStep.share(H, part: part, parts: parts)
            if !rows.isEmpty { kernelCopy.planarDepthwise(H: H, W: H, C: C, input: source, weights: weights, bias: bias, output: output, zeros: zeros, rows: rows) }
        case .toPlanar(let H, let C, let source, let output, let outputChannels):
            let rows = EngineStep.share(H, part: part, parts: parts)
            if !rows.isEmpty { kernelCopy.toPlanar(H: H, W: H, C: C, input: source, output: output, outputChannels: outputChannels, rows: rows) }
        case .squeeze(let s):
            s.run(kernelCopy, part: part, parts: parts)
        case .fromPlanar(let H, let C, let source, let output):
            let rows = EngineStep.share(H, part: part, parts: parts)
            if !rows.isEmpty { kernelCopy.fromPlanar(H: H, W: H, C: C, input: source, output: output, ldo: C, rows: rows) }
        }
    }
}
