/// The 1×1 kernel's epilogue (`PointwiseKernel`): what happens to each accumulator (bias + Σ A·W) before it is
/// stored: C = relu?(acc · scales[m] + residual).
extension PointwiseKernel {
    public struct Epilogue {
        public var relu: Bool
        public var residual: UnsafePointer<Float>? = nil  // added before ReLU
        public var ldr: Int = 0
        /// Per output channel m, a factor for the accumulator before the residual is added (M floats + 16 of
        /// slack): a squeeze-and-excitation block's scales, so that its branch is never stored unscaled.
        public var scales: UnsafePointer<Float>? = nil

        public init(relu: Bool, residual: UnsafePointer<Float>? = nil, ldr: Int = 0, scales: UnsafePointer<Float>? = nil) {
            self.relu = relu
            self.residual = residual
            self.ldr = ldr
            self.scales = scales
        }

        /// The same epilogue for the block starting `rows` rows and `channels` output channels further on.
        func shifted(rows: Int, channels: Int) -> Epilogue {
            Epilogue(relu: relu, residual: residual.map { $0 + rows * ldr + channels }, ldr: ldr, scales: scales.map { $0 + channels })
        }
    }

    /// Epilogue and store of one accumulator. With `Last` = `PartialStore` the block's last vector stores only
    /// its first `lanes` lanes (a group's last channels); the whole blocks are compiled without that branch,
    /// which otherwise made the compiler stop inlining the SIMD loads and stores (calls in the tiles, and slower).
    /// `S` likewise: the plain convolutions compile without the scales.
    @inline(__always)
    static func finish<S: ChannelScaling, V: FloatVector, Last: LastVectorStore>(_: S.Type, _ v: V, _ c: UnsafeMutablePointer<Float>, row n: Int,
                                                                               offset: Int, lanes: Int, _: Last.Type, _ e: Epilogue) {
        var v = v
        if S.scaled {
            let scale: V = load(e.scales.unsafelyUnwrapped + offset)
            // acc · s + residual as one fused multiply-add: the plain epilogue's add, plus one load.
            if let residual = e.residual { v = (load(residual + n * e.ldr + offset) as V).addingProduct(v, scale) } else { v *= scale }
        } else if let residual = e.residual {
            v += load(residual + n * e.ldr + offset) as V
        }
        if e.relu { v = v.relu() }
        if Last.partial { v.storePrefix(c, lanes: lanes) } else { store(c, v) }
    }
}

/// How a tile stores the last vector of its column block: whole, or only its first `lanes` lanes (a group's
/// last channels). A type rather than a flag so that whole blocks compile without the lane loop.
protocol LastVectorStore { static var partial: Bool { get } }
enum WholeStore: LastVectorStore { static var partial: Bool { false } }
enum PartialStore: LastVectorStore { static var partial: Bool { true } }

/// Whether a 1×1 convolution multiplies its accumulators by per-channel scales (`Epilogue.scales`): a type rather
/// than a flag, so that every plain convolution compiles as it did without them.
protocol ChannelScaling { static var scaled: Bool { get } }
enum Unscaled: ChannelScaling { static var scaled: Bool { false } }
enum Scaled: ChannelScaling { static var scaled: Bool { true } }
