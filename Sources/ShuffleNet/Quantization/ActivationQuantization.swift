/// Affine uint8 quantization of one activation tensor: real = scale · (q − zeroPoint), q in 0…255.
/// The represented range always contains 0 exactly (q = zeroPoint), so zero padding and ReLU stay exact.
public struct ActivationQuantization: Sendable, Hashable, Codable, CustomStringConvertible {
    public var scale: Float
    public var zeroPoint: Int

    public init(scale: Float, zeroPoint: Int) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    enum CodingKeys: String, CodingKey {
        case scale
        case zeroPoint = "zero_point"
    }

    /// The quantization of the range [lo, hi] widened to contain 0: 255 steps from lo to hi. A ReLU output
    /// (lo = 0) gets zero point 0; an empty range (hi = lo = 0) gets scale 1.
    public static func covering(min lo: Float, max hi: Float) -> ActivationQuantization {
        let low = Double(Swift.min(lo, 0)), high = Double(Swift.max(hi, 0))
        guard high > low else { return ActivationQuantization(scale: 1, zeroPoint: 0) }
        let scale = (high - low) / 255
        let zeroPoint = Int((-low / scale).rounded()).clamped(0, 255)
        return ActivationQuantization(scale: Float(scale), zeroPoint: zeroPoint)
    }

    /// Whether the stored values are valid: a finite positive scale and a zero point in 0…255.
    var isValid: Bool { scale.isFinite && scale > 0 && (0...255).contains(zeroPoint) }

    public var description: String { "scale \(scale), zero point \(zeroPoint)" }
}

/// The quantization of one unit's three activation tensors (its input is the previous unit's `output`, or the stem's).
public struct UnitActivations: Sendable, Hashable, Codable {
    public var mid: ActivationQuantization        // the first 1×1 convolution's output, after ReLU (zero point 0)
    public var depthwise: ActivationQuantization  // the depthwise convolution's output, signed (any zero point)
    public var output: ActivationQuantization     // the unit's output, after ReLU (zero point 0)

    public init(mid: ActivationQuantization, depthwise: ActivationQuantization, output: ActivationQuantization) {
        self.mid = mid
        self.depthwise = depthwise
        self.output = output
    }
}

/// What a quantized model file says about its quantization (metadata key `quantization`, JSON).
public struct QuantizationInfo: Sendable, Hashable, Codable {
    /// Always "int8": uint8 activations (a scale and zero point per tensor) × int8 weights (symmetric, a scale
    /// per output channel), int32 accumulation.
    public var scheme: String
    /// How the activation ranges were chosen (`CalibrationMethod`), and over how many images.
    public var method: String
    public var calibrationImages: Int
    public var stem: ActivationQuantization       // the (float) stem convolution's output after ReLU (and the max pool's)
    public var units: [UnitActivations]

    public init(method: String, calibrationImages: Int, stem: ActivationQuantization, units: [UnitActivations]) {
        self.scheme = "int8"
        self.method = method
        self.calibrationImages = calibrationImages
        self.stem = stem
        self.units = units
    }

    enum CodingKeys: String, CodingKey {
        case scheme, method, stem, units
        case calibrationImages = "calibration_images"
    }

    /// Checks what the kernels rely on: valid scales and zero points, ReLU outputs at zero point 0, one entry per unit.
    func validate(units count: Int) throws(WeightsError) {
        func bad(_ reason: String) -> WeightsError { .badMetadata(key: ShuffleNetModel.MetadataKey.quantization, reason: reason) }
        guard scheme == "int8" else { throw bad("scheme '\(scheme)' is not supported (only int8)") }
        guard units.count == count else { throw bad("\(units.count) unit entries for \(count) units") }
        let all = [stem] + units.flatMap { [$0.mid, $0.depthwise, $0.output] }
        guard all.allSatisfy(\.isValid) else { throw bad("every scale must be finite and positive, every zero point in 0…255") }
        guard stem.zeroPoint == 0, units.allSatisfy({ $0.mid.zeroPoint == 0 && $0.output.zeroPoint == 0 }) else {
            throw bad("the stem's, the first 1×1 convolutions' and the units' outputs follow a ReLU: their zero point must be 0")
        }
    }
}

extension Int {
    func clamped(_ low: Int, _ high: Int) -> Int { Swift.min(Swift.max(self, low), high) }
}
