/// One worker's inference state: every activation buffer, sized once from the architecture, the input
/// size and the largest batch, over weights shared with other sessions. `forward` allocates nothing.
///
/// Buffers (NHWC, × maxBatch images):
///   input   [S][S][3]              patches [S/2·S/2][27]       stem [S/2][S/2][stem]
///   x, y    ping-pong unit input/output, the largest H·W·C of any stage (and the max-pool output)
///   t1      first 1×1 conv output, the largest H·W·mid        t2  depthwise output, the largest H'·W'·mid
///   pooled  [C_last]               logits  [classes]
public final class InferenceSession: @unchecked Sendable {
    // Owned by one caller at a time; its helper threads touch only the buffers of the images they are given.
    public let network: PackedNetwork
    public let maxBatch: Int
    public var config: ShuffleNetConfig { network.config }
    public var inputSide: Int { side }

    /// Threads a batch is spread over (whole images per thread); a batch of one runs on the caller alone.
    public let threads: Int

    private let side: Int              // input pixels per side
    private let input: FloatBuffer, stemOut: FloatBuffer
    private let patches: [FloatBuffer] // one stem im2col scratch per thread
    private let x: FloatBuffer, y: FloatBuffer, t1: FloatBuffer, t2: FloatBuffer
    private let zeros: FloatBuffer, pooled: FloatBuffer, logitsBuffer: FloatBuffer
    private let imageStride: (input: Int, stem: Int, act: Int, t1: Int, t2: Int)

    /// - Parameter inputSize: pixels per side (a multiple of 32); default the architecture's. The weights do
    ///   not depend on it: the head is a global average pool.
    public init(network: PackedNetwork, maxBatch: Int = 1, inputSize: Int? = nil, threads: Int = 1) {
        self.network = network
        self.maxBatch = max(1, maxBatch)
        let config = network.config
        side = inputSize ?? config.inputSize
        let stemSide = DepthwiseKernel.outputSide(side, stride: 2)
        let poolSide = DepthwiseKernel.outputSide(stemSide, stride: 2)
        var act = poolSide * poolSide * config.stem, mid1 = 0, mid2 = 0, zeroRow = 0
        var h = poolSide
        for unit in config.units {
            let out = DepthwiseKernel.outputSide(h, stride: unit.stride)
            mid1 = max(mid1, h * h * unit.mid)
            mid2 = max(mid2, out * out * unit.mid)
            act = max(act, out * out * unit.outChannels, h * h * unit.inChannels)
            zeroRow = max(zeroRow, h * unit.mid)
            h = out
        }
        imageStride = (side * side * 3, stemSide * stemSide * config.stem, act, mid1, mid2)
        let b = self.maxBatch
        self.threads = max(1, threads)
        input = FloatBuffer(count: b * imageStride.input)
        patches = (0..<self.threads).map { _ in FloatBuffer(count: stemSide * stemSide * 27) }
        stemOut = FloatBuffer(count: b * imageStride.stem)
        x = FloatBuffer(count: b * act)
        y = FloatBuffer(count: b * act)
        t1 = FloatBuffer(count: b * mid1)
        t2 = FloatBuffer(count: b * mid2)
        zeros = FloatBuffer(count: zeroRow + 16)
        pooled = FloatBuffer(count: b * (config.widths.last ?? 0))
        logitsBuffer = FloatBuffer(count: b * config.classes)
        if self.threads > 1 {
            helpers = HelperThreads(count: self.threads - 1) { [unowned self] helper, images in
                self.forwardImages(images, scratch: self.patches[helper + 1])
            }
        }
    }

    deinit {
        helpers?.stop()
        ([input, stemOut, x, y, t1, t2, zeros, pooled, logitsBuffer] + patches).forEach { $0.free() }
    }

    private var helpers: HelperThreads?

    /// Where image `i` of a batch goes: side × side × 3 floats, NHWC, already preprocessed.
    public func inputBuffer(image i: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: input.pointer + i * imageStride.input, count: imageStride.input)
    }

    /// Copies an NCHW tensor (as the preprocessor and the reference pass use) into image `i`'s input.
    public func setInput(_ tensor: Activation, image i: Int = 0) {
        precondition(tensor.channels == 3 && tensor.height == side && tensor.width == side, "input must be 3×\(side)×\(side)")
        let destination = input.pointer + i * imageStride.input
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
        // Whole images per thread: contiguous ranges, the caller takes the first.
        let workers = min(threads, batch)
        if workers > 1 {
            let per = (batch + workers - 1) / workers
            let own = helpers!.start(batch: batch, per: per)
            forwardImages(own, scratch: patches[0])
            helpers!.wait()
        } else {
            forwardImages(0..<batch, scratch: patches[0])
        }
        // The classifier for the whole batch as one GEMM: pooled [batch][C] × W [C][classes].
        let config = network.config, fc = network.classifier
        let width = config.widths.last ?? 0, classes = config.classes
        PointwiseKernel.run(N: batch, M: classes, K: width, A: pooled.pointer, lda: width, aStep: 1, W: fc.weight.pointer,
                            C: logitsBuffer.pointer, ldc: classes, bias: fc.bias.pointer, epilogue: .init(relu: false))
        return UnsafeBufferPointer(start: logitsBuffer.pointer, count: batch * classes)
    }

    /// Stem, every unit and the global pool for images `images`, using `scratch` for the stem's patches.
    private func forwardImages(_ images: Range<Int>, scratch: FloatBuffer) {
        let config = network.config
        let stemSide = DepthwiseKernel.outputSide(side, stride: 2)
        let stem = network.stem
        let width = config.widths.last ?? 0
        for i in images {
            // Stem: patches then a K = 27 GEMM with ReLU; then 3×3/2 max pooling into x.
            PoolingKernels.stemPatches(H: side, W: side, input: input.pointer + i * imageStride.input, rows: scratch.pointer)
            PointwiseKernel.run(N: stemSide * stemSide, M: stem.m, K: 27, A: scratch.pointer, lda: 27, aStep: 1, W: stem.weight.pointer,
                                C: stemOut.pointer + i * imageStride.stem, ldc: stem.m, bias: stem.bias.pointer, epilogue: .init(relu: true))
            PoolingKernels.max3x3s2(H: stemSide, W: stemSide, C: config.stem, input: stemOut.pointer + i * imageStride.stem,
                                    output: x.pointer + i * imageStride.act)
            var h = DepthwiseKernel.outputSide(stemSide, stride: 2)
            var current = x, next = y
            for unit in network.units {
                run(unit, image: i, side: h, input: current.pointer, output: next.pointer)
                h = DepthwiseKernel.outputSide(h, stride: unit.spec.stride)
                swap(&current, &next)
            }
            PoolingKernels.globalAverage(pixels: h * h, C: width, input: current.pointer + i * imageStride.act, output: pooled.pointer + i * width)
        }
    }

    /// One unit for image `i` (each image's buffers are a fixed stride apart, so threads never share one).
    private func run(_ unit: PackedNetwork.Unit, image i: Int, side h: Int, input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let spec = unit.spec
        let out = DepthwiseKernel.outputSide(h, stride: spec.stride)
        let pw1 = unit.pointwise1, pw2 = unit.pointwise2
        let mid = spec.mid, cin = spec.inChannels, cout = spec.outChannels
        do {
            let xi = input + i * imageStride.act, t1i = t1.pointer + i * imageStride.t1
            for gi in 0..<pw1.groups {
                PointwiseKernel.run(N: h * h, M: pw1.m, K: pw1.k, A: xi + gi * pw1.k, lda: cin, aStep: 1,
                                    W: pw1.weight.pointer + gi * pw1.k * pw1.m, C: t1i + gi * pw1.m, ldc: mid,
                                    bias: pw1.bias.pointer + gi * pw1.m, epilogue: .init(relu: true))
            }
            DepthwiseKernel.run(H: h, W: h, C: mid, stride: spec.stride, input: t1i, weights: unit.depthwise.pointer,
                                bias: unit.depthwiseBias.pointer, output: t2.pointer + i * imageStride.t2, zeros: zeros.pointer)
            let yi = output + i * imageStride.act, t2i = t2.pointer + i * imageStride.t2
            if spec.stride == 2 {
                PoolingKernels.avg3x3s2(H: h, W: h, C: cin, input: xi, output: yi, ldo: cout)
            }
            // Second 1×1 conv reads the depthwise output through the channel shuffle: input k of group gi is
            // channel k·g + gi. Stride 1 adds the residual and applies ReLU; stride 2 writes after the shortcut.
            let g = pw2.groups
            for gi in 0..<g {
                let target = spec.stride == 2 ? yi + cin + gi * pw2.m : yi + gi * pw2.m
                let epilogue = spec.stride == 2 ? PointwiseKernel.Epilogue(relu: true)
                                                : PointwiseKernel.Epilogue(relu: true, residual: UnsafePointer(xi + gi * pw2.m), ldr: cin)
                PointwiseKernel.run(N: out * out, M: pw2.m, K: pw2.k, A: t2i + (g > 1 ? gi : 0), lda: mid, aStep: g > 1 ? g : 1,
                                    W: pw2.weight.pointer + gi * pw2.k * pw2.m, C: target, ldc: cout,
                                    bias: pw2.bias.pointer + gi * pw2.m, epilogue: epilogue)
            }
        }
    }
}
