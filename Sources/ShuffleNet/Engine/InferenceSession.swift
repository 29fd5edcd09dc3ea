import KernelInterface
import MonotonicClock
/// One worker's inference state: every activation buffer, sized once from the architecture, the input
/// size and the largest batch, over weights shared with other sessions. `forward` allocates nothing.
///
/// Buffers (NHWC; input, pooled and logits × maxBatch images, the others × one slot per thread that runs whole
/// images, min(threads, maxBatch): a thread reuses its slot for each of its images, which stay hot in L2):
///   input   [S][S][3]              patches [2][S/2][27] per thread    stem [S/2][S/2][stem]
///   x, y    unit input/output, the largest H·W·C of any stage (and the max-pool output); a stride-1 unit
///           writes over its input, a stride-2 unit or a layout conversion writes the other buffer
///   t1      first 1×1 conv output, the largest H·W·mid        t2  depthwise output, the largest H'·W'·mid
///   pooled  [C_last]               logits  [classes]
///
/// Stride-1 units whose groups are narrow (fewer than 16 bottleneck channels per group: 0.5× g8's stages 2 and 3,
/// 0.5× g3's stage 2) run in the row-planar layout instead (`RowPlanarLayout`: pixels along the vector), so
/// that a 6-channel group's 1×1 convolution uses all 16 lanes; the activations are converted on the way
/// into the first such unit of a run and back after the last. The x, y, t1 and t2 buffers are sized for either
/// layout, and t1 has 16 zero floats before it (the planar depthwise kernel reads the lane before a row).
///
/// With `threads` > 1 a batch of at least `threads` images is spread over the threads whole images at a
/// time; a smaller batch runs image by image with every layer split across the threads by output rows.
public final class InferenceSession: @unchecked Sendable {
    // Owned by one caller at a time; its helper threads only touch the rows or images they are given.
    public let network: PackedNetwork
    public let maxBatch: Int
    public let threads: Int
    /// The compiled copy of the SIMD kernels this session runs (AVX-512 or the baseline build).
    public let kernels: KernelSet
    /// `kernels`' methods (one call per layer, or per thread's share of one).
    private let kernelCopy: any KernelCopy.Type
    public var config: ShuffleNetConfig { network.config }
    public var inputSide: Int { side }

    private let side: Int              // input pixels per side
    private let input: FloatBuffer, stemOut: FloatBuffer
    private let patches: [FloatBuffer] // one stem im2col scratch per thread
    private let x: FloatBuffer, y: FloatBuffer, t1: FloatBuffer, t2: FloatBuffer
    private let t1Start: UnsafeMutablePointer<Float>  // t1 past its 16 leading zeros
    /// Per unit of `network.units`: whether it runs row-planar (stride-1 units only).
    public let planarUnits: [Bool]
    /// Per unit: whether it leaves its output row-planar: a planar unit, or a stride-2 unit before one (it writes
    /// its second 1×1 convolution and shortcut straight into the planar layout; see `runIntoPlanar`).
    let planarOutputs: [Bool]
    private let zeros: FloatBuffer, pooled: FloatBuffer, logitsBuffer: FloatBuffer
    /// Floats from one slice to the next: from image to image for `input`, from thread slot to slot for the others.
    private let sliceStride: (input: Int, stem: Int, act: Int, t1: Int, t2: Int)
    private let inputCount: Int                                                   // side × side × 3
    private var team: SpinTeam<EngineStep>?
    /// When set, each layer's time is added to it (see `LayerProfile`; for benchmarks, not for serving).
    public var profile: LayerProfile?
    private var profiling = false      // `profile` applies to this call (not a batch spread as whole images)
    private var layerContext = "stem"  // the unit being run, for profile row names

    /// - Parameters:
    ///   - inputSize: pixels per side (a multiple of 32); default the architecture's. The weights do not
    ///     depend on it: the head is a global average pool.
    ///   - threads: threads per call, this one included (helpers are started here and live with the session).
    ///   - kernels: which compiled kernels to run; default the fastest this CPU supports. Must be supported.
    /// Which units run in the row-planar layout. `.rowPlanar`: every stride-1 unit `prefersPlanar` picks;
    /// `.channelsLast`: none. `.automatic` (the default) is `.rowPlanar` with the AVX-512 kernels and
    /// `.channelsLast` with the baseline ones: there the planar tile is 6 outputs × one 16-pixel vector (AVX2
    /// has 16 registers) and measured 6–8 % slower on 0.5× g3 and g8 (docs/benchmarks.md, 2026-11-30).
    public enum Layout: Sendable { case automatic, channelsLast, rowPlanar }

    public init(network: PackedNetwork, maxBatch: Int = 1, inputSize: Int? = nil, threads: Int = 1, kernels: KernelSet = .best,
                layout: Layout = .automatic) {
        precondition(kernels.isSupported, "\(kernels) kernels on a CPU without them")
        self.network = network
        self.kernels = kernels
        kernelCopy = kernels.kernels
        self.maxBatch = max(1, maxBatch)
        self.threads = max(1, threads)
        let config = network.config
        side = inputSize ?? config.inputSize
        let stemSide = KernelSet.outputSide(side, stride: 2)
        let poolSide = KernelSet.outputSide(stemSide, stride: 2)
        var act = poolSide * poolSide * config.stem, mid1 = 0, mid2 = 0, zeroRow = 0
        var h = poolSide
        var planarUnits = [Bool]()
        for (unit, packed) in zip(config.units, network.units) {
            let out = KernelSet.outputSide(h, stride: unit.stride)
            let planar = (layout == .rowPlanar || (layout == .automatic && kernels == .avx512)) && Self.prefersPlanar(packed, side: h)
            planarUnits.append(planar)
            // A planar row holds Wp ≥ W + 1 floats per channel.
            let width = planar ? KernelSet.paddedWidth(h) : h
            mid1 = max(mid1, h * width * unit.mid)
            mid2 = max(mid2, out * (planar ? width : out) * unit.mid)
            act = max(act, out * out * unit.outChannels, h * width * unit.inChannels, h * width * unit.outChannels)
            zeroRow = max(zeroRow, h * unit.mid, width * unit.mid + 32, unit.outChannels + 32)  // also a zero bias (kBlock)
            h = out
        }
        self.planarUnits = planarUnits
        planarOutputs = planarUnits.indices.map { u in
            planarUnits[u] || (config.units[u].stride == 2 && u + 1 < planarUnits.count && planarUnits[u + 1])
        }
        // A stride-2 unit writing planar output keeps its planar depthwise output in t1.
        h = poolSide
        for (u, unit) in config.units.enumerated() {
            let out = KernelSet.outputSide(h, stride: unit.stride)
            if planarOutputs[u] { mid1 = max(mid1, out * KernelSet.paddedWidth(out) * unit.mid, out * out * unit.inChannels) }
            h = out
        }
        // Each slice is followed by 16 floats of its own: the kernels' vector loads may read up to 15 floats past
        // a row's last channel (lanes they never store), and with whole images per thread that must not reach
        // into another thread's slot while that thread writes it.
        func padded(_ count: Int) -> Int { (count + 16 + 15) / 16 * 16 }
        inputCount = side * side * 3
        sliceStride = (padded(inputCount), padded(stemSide * stemSide * config.stem), padded(act), padded(mid1), padded(mid2))
        let b = self.maxBatch, slots = min(self.threads, self.maxBatch)
        input = FloatBuffer(count: b * sliceStride.input)
        patches = (0..<self.threads).map { _ in FloatBuffer(count: Self.stemBand * stemSide * 27) }
        stemOut = FloatBuffer(count: slots * sliceStride.stem)
        x = FloatBuffer(count: slots * sliceStride.act)
        y = FloatBuffer(count: slots * sliceStride.act)
        t1 = FloatBuffer(count: 16 + slots * sliceStride.t1)
        t1Start = t1.pointer + 16
        t2 = FloatBuffer(count: slots * sliceStride.t2)
        zeros = FloatBuffer(count: zeroRow + 16)
        pooled = FloatBuffer(count: b * (config.widths.last ?? 0))
        logitsBuffer = FloatBuffer(count: b * config.classes)
        if self.threads > 1 {
            team = SpinTeam(size: self.threads, idle: .idle) { [unowned self] step, part, parts in
                self.execute(step, part: part, parts: parts)
            }
        }
    }

    deinit {
        team?.stop()
        ([input, stemOut, x, y, t1, t2, zeros, pooled, logitsBuffer] + patches).forEach { $0.free() }
    }

    /// Output rows of the stem per im2col band: 2 × 112 patches of 27 floats is 24 KB, half of L1. (The whole
    /// image's patches, 1.4 MB, were written and then read back from L2: 0.10 ms of 0.5× g3's 1.2 ms.)
    static let stemBand = 2

    /// Inputs per pass of a 1×1 convolution without residual: a 32-output column block's weights for 256
    /// inputs are 32 KB, which stay in L1 (48 KB) while every 6-row tile reads them. (2× g3 stage 4: K = 640,
    /// 80 KB per column block, streamed from L2 again for each of the 9 row tiles.)
    static let kBlock = 256

    /// Whether `unit` (at `side` pixels per side) runs row-planar: a stride-1 unit whose compress convolution
    /// has fewer than 16 outputs per group (NHWC would leave lanes of every vector idle), on images at least
    /// 12 pixels wide (a 7-pixel row would fill 7 of 16 lanes instead).
    static func prefersPlanar(_ unit: PackedNetwork.Unit, side: Int) -> Bool {
        unit.spec.stride == 1 && side >= 12 && unit.pointwise1.m < 16
    }

    /// Where image `i` of a batch goes: side × side × 3 floats, NHWC, already preprocessed.
    public func inputBuffer(image i: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: input.pointer + i * sliceStride.input, count: inputCount)
    }

    /// Copies an NCHW tensor (as the preprocessor and the reference pass use) into image `i`'s input.
    public func setInput(_ tensor: Activation, image i: Int = 0) {
        precondition(tensor.channels == 3 && tensor.height == side && tensor.width == side, "input must be 3×\(side)×\(side)")
        let destination = input.pointer + i * sliceStride.input
        let plane = side * side
        tensor.data.withUnsafeBufferPointer { source in
            for p in 0..<plane {
                destination[p * 3] = source[p]
                destination[p * 3 + 1] = source[plane + p]
                destination[p * 3 + 2] = source[2 * plane + p]
            }
        }
    }

    /// Runs the network on the first `batch` input images; returns batch × classes logits owned by the
    /// session (valid until the next call).
    @discardableResult
    public func forward(batch: Int = 1) -> UnsafeBufferPointer<Float> {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        let wholeImages = team != nil && batch >= threads
        profiling = profile != nil && !wholeImages
        if let team, wholeImages {
            team.run(.images(batch: batch))
        } else {
            forwardImages(0..<batch, slot: 0, scratch: patches[0], split: team != nil)
        }
        // The classifier for the whole batch as one GEMM: pooled [batch][C] × W [C][classes], its classes split
        // across the team.
        let config = network.config, fc = network.classifier
        let width = config.widths.last ?? 0, classes = config.classes
        let started = profiling ? Monotonic.now() : 0
        let head = EngineStep.classifier(.init(N: batch, groups: 1, M: classes, K: width, A: pooled.pointer, lda: width, aStep: 1, aGroupStride: 0,
                                               W: fc.weight.pointer, C: logitsBuffer.pointer, ldc: classes, bias: fc.bias.pointer,
                                               relu: false, residual: nil, ldr: 0))
        if let team { team.run(head) } else { execute(head, part: 0, parts: 1) }
        if profiling {
            profile?.record(name: "head · classifier (fully connected)", kind: "classifier", multiplyAdds: batch * width * classes,
                            seconds: Monotonic.now() - started)
        }
        return UnsafeBufferPointer(start: logitsBuffer.pointer, count: batch * classes)
    }

    /// Runs a step: across the team when `split`, else all of it on this thread. `kind` names the layer in a
    /// profile ("1×1 compress", …).
    private func perform(_ step: EngineStep, split: Bool, kind: String, detail: String = "") {
        let started = profiling ? Monotonic.now() : 0
        if split, let team { team.run(step) } else { execute(step, part: 0, parts: 1) }
        if profiling {
            profile?.record(name: "\(layerContext) · \(kind)\(detail)", kind: kind, multiplyAdds: step.multiplyAdds, seconds: Monotonic.now() - started)
        }
    }

    /// Part `part` of `parts` of a step. Every part writes its own output rows (or images).
    private func execute(_ step: EngineStep, part: Int, parts: Int) {
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
        case .fromPlanar(let H, let C, let source, let output):
            let rows = EngineStep.share(H, part: part, parts: parts)
            if !rows.isEmpty { kernelCopy.fromPlanar(H: H, W: H, C: C, input: source, output: output, ldo: C, rows: rows) }
        }
    }

    /// Stem, every unit and the global pool for `images`, one after another in activation slot `slot`; `split`
    /// spreads each layer across the team.
    private func forwardImages(_ images: Range<Int>, slot: Int, scratch: FloatBuffer, split: Bool) {
        let config = network.config
        let stemSide = KernelSet.outputSide(side, stride: 2)
        let stem = network.stem
        let width = config.widths.last ?? 0
        for i in images {
            // Stem: im2col bands and a K = 27 GEMM with ReLU, then 3×3/2 max pooling into x.
            if profiling { layerContext = "stem" }
            perform(.stem(.init(input: input.pointer + i * sliceStride.input, side: side, W: stem.weight.pointer, bias: stem.bias.pointer, M: stem.m,
                                output: stemOut.pointer + slot * sliceStride.stem, scratch: split ? nil : scratch.pointer)),
                    split: split, kind: "3×3/2 conv (stem)")
            perform(.maxPool(H: stemSide, C: config.stem, input: stemOut.pointer + slot * sliceStride.stem, output: x.pointer + slot * sliceStride.act),
                    split: split, kind: "max pool 3×3/2")
            var h = KernelSet.outputSide(stemSide, stride: 2)
            var current = x, next = y
            let units = network.units
            for (u, unit) in units.enumerated() {
                if profiling { layerContext = "stage \(unit.spec.stage + 2) unit \(unit.spec.index - firstIndex(ofStage: unit.spec.stage))" }
                let planar = planarUnits[u]
                if planar && (u == 0 || !planarOutputs[u - 1]) {
                    perform(.toPlanar(H: h, C: unit.spec.inChannels, input: current.pointer + slot * sliceStride.act, output: next.pointer + slot * sliceStride.act,
                                      outputChannels: unit.spec.inChannels), split: split, kind: "to row-planar")
                    swap(&current, &next)
                }
                // A stride-1 unit writes its output over its input (see `run`); a stride-2 unit changes buffers.
                let inPlace = unit.spec.stride == 1
                run(unit, slot: slot, side: h, planar: planar, planarOutput: planarOutputs[u], input: current.pointer,
                    output: inPlace ? current.pointer : next.pointer, split: split)
                h = KernelSet.outputSide(h, stride: unit.spec.stride)
                if !inPlace { swap(&current, &next) }
                if planarOutputs[u] && (u + 1 == units.count || !planarUnits[u + 1]) {
                    perform(.fromPlanar(H: h, C: unit.spec.outChannels, input: current.pointer + slot * sliceStride.act, output: next.pointer + slot * sliceStride.act),
                            split: split, kind: "from row-planar")
                    swap(&current, &next)
                }
            }
            let started = profiling ? Monotonic.now() : 0
            kernelCopy.globalAverage(pixels: h * h, C: width, input: current.pointer + slot * sliceStride.act, output: pooled.pointer + i * width)
            if profiling { profile?.record(name: "head · global average pool", kind: "global average pool", multiplyAdds: 0, seconds: Monotonic.now() - started) }
        }
    }

    /// `features` index of a stage's first unit (profile names count units within their stage).
    private func firstIndex(ofStage stage: Int) -> Int {
        network.units.first { $0.spec.stage == stage }?.spec.index ?? 0
    }

    /// One unit in activation slot `s` (each slot's buffers are a fixed stride apart, so threads never share one).
    /// A stride-1 unit may write its output over its input (`output` == `input`): the input is read whole by
    /// the first 1×1 convolution, and after that only as the residual, which the second 1×1 convolution reads
    /// at exactly the place it is about to write. One activation buffer less in the cache: in stage 2 of 2× g3
    /// the two NHWC buffers are 1.5 MB each, and this machine's L2 is 2 MB per core.
    private func run(_ unit: PackedNetwork.Unit, slot s: Int, side h: Int, planar: Bool, planarOutput: Bool, input: UnsafeMutablePointer<Float>,
                     output: UnsafeMutablePointer<Float>, split: Bool) {
        let spec = unit.spec
        let out = KernelSet.outputSide(h, stride: spec.stride)
        let pw1 = unit.pointwise1, pw2 = unit.pointwise2
        let mid = spec.mid, cin = spec.inChannels, cout = spec.outChannels
        let xi = input + s * sliceStride.act, t1i = t1Start + s * sliceStride.t1
        let yi = output + s * sliceStride.act, t2i = t2.pointer + s * sliceStride.t2
        if planar {
            runPlanar(unit, side: h, input: xi, mid: t1i, depthwise: t2i, output: yi, split: split)
            return
        }
        perform(.pointwise(.init(N: h * h, groups: pw1.groups, M: pw1.m, K: pw1.k, A: xi, lda: cin, aStep: 1, aGroupStride: pw1.k,
                                 W: pw1.weight.pointer, C: t1i, ldc: mid, bias: pw1.bias.pointer, relu: true, residual: nil, ldr: 0)),
                split: split, kind: "1×1 compress")
        perform(.depthwise(H: h, C: mid, stride: spec.stride, input: t1i, weights: unit.depthwise.pointer, bias: unit.depthwiseBias.pointer,
                           output: t2i, zeros: zeros.pointer), split: split, kind: spec.stride == 2 ? "depthwise 3×3/2" : "depthwise 3×3")
        if planarOutput {
            runIntoPlanar(unit, side: h, input: xi, mid: t1i, depthwise: t2i, output: yi, split: split)
            return
        }
        if spec.stride == 2 {
            perform(.avgPool(H: h, C: cin, input: xi, output: yi, ldo: cout), split: split, kind: "avg pool 3×3/2 shortcut")
        }
        // Second 1×1 conv reads the depthwise output through the channel shuffle: input k of group gi is
        // channel k·g + gi. Stride 1 adds the residual and applies ReLU; stride 2 writes after the shortcut.
        let g = pw2.groups
        perform(.pointwise(.init(N: out * out, groups: g, M: pw2.m, K: pw2.k, A: t2i, lda: mid, aStep: g > 1 ? g : 1, aGroupStride: g > 1 ? 1 : 0,
                                 W: pw2.weight.pointer, C: spec.stride == 2 ? yi + cin : yi, ldc: cout, bias: pw2.bias.pointer, relu: true,
                                 residual: spec.stride == 2 ? nil : UnsafePointer(xi), ldr: cin)), split: split, kind: "1×1 expand")
    }

    /// A stride-1 unit in the row-planar layout: the same three layers, residual and ReLU as `run`, on image
    /// pointers whose data is row-planar.
    private func runPlanar(_ unit: PackedNetwork.Unit, side h: Int, input xi: UnsafeMutablePointer<Float>, mid t1i: UnsafeMutablePointer<Float>,
                           depthwise t2i: UnsafeMutablePointer<Float>, output yi: UnsafeMutablePointer<Float>, split: Bool) {
        let spec = unit.spec, pw1 = unit.pointwise1, pw2 = unit.pointwise2
        perform(.planarPointwise(.init(H: h, groups: pw1.groups, M: pw1.m, K: pw1.k, A: xi, inChannels: spec.inChannels, aStep: 1, aGroupStride: pw1.k,
                                       W: pw1.weight.pointer, C: t1i, outChannels: spec.mid, bias: pw1.bias.pointer, relu: true, residual: nil)),
                split: split, kind: "1×1 compress")
        perform(.planarDepthwise(H: h, C: spec.mid, input: t1i, weights: unit.depthwise.pointer, bias: unit.depthwiseBias.pointer, output: t2i,
                                 zeros: zeros.pointer), split: split, kind: "depthwise 3×3")
        // The channel shuffle folded in as in `run`: input k of group gi is channel k·g + gi.
        let g = pw2.groups
        perform(.planarPointwise(.init(H: h, groups: g, M: pw2.m, K: pw2.k, A: t2i, inChannels: spec.mid, aStep: g > 1 ? g : 1, aGroupStride: g > 1 ? 1 : 0,
                                       W: pw2.weight.pointer, C: yi, outChannels: spec.outChannels, bias: pw2.bias.pointer, relu: true,
                                       residual: UnsafePointer(xi))), split: split, kind: "1×1 expand")
    }

    /// The rest of a stride-2 unit whose output goes to planar units, after its NHWC depthwise (in t2): the
    /// shortcut is pooled into t1 (free again) and converted into planes [0, C_in) of the output; the depthwise
    /// output is converted into t1, and the second 1×1 convolution runs planar into planes [C_in, C_out).
    /// In 0.5× g8 this converts 24 + 48 channels instead of the unit's 192 output channels, and the 1×1
    /// convolution (6 inputs and 21 outputs per group) uses whole vectors.
    private func runIntoPlanar(_ unit: PackedNetwork.Unit, side h: Int, input xi: UnsafeMutablePointer<Float>, mid t1i: UnsafeMutablePointer<Float>,
                               depthwise t2i: UnsafeMutablePointer<Float>, output yi: UnsafeMutablePointer<Float>, split: Bool) {
        let spec = unit.spec, pw2 = unit.pointwise2
        let out = KernelSet.outputSide(h, stride: spec.stride), wp = KernelSet.paddedWidth(out)
        let cin = spec.inChannels, cout = spec.outChannels
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
