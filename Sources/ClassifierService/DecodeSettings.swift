import ImageDecoding
import ShuffleNet

/// How uploads are decoded: the limits judged from the headers, the EXIF orientation (per request) and the
/// JPEG scaling mode (per service). `fast` becomes a concrete reduction per model: the largest of 1/2, 1/4,
/// 1/8 that keeps the shorter side at least the model's resize target.
public struct DecodeSettings: Sendable {
    public enum JPEGScalingMode: String, Sendable, CaseIterable { case exact, fast }

    public var limits: DecodeLimits
    public var orientation: DecodeOptions.Orientation
    public var jpegScaling: JPEGScalingMode

    public init(limits: DecodeLimits = DecodeLimits(), orientation: DecodeOptions.Orientation = .apply, jpegScaling: JPEGScalingMode = .exact) {
        self.limits = limits
        self.orientation = orientation
        self.jpegScaling = jpegScaling
    }

    /// The decoder's options for an image that `classifier`'s model will resize.
    public func options(for preprocessing: Preprocessing) -> DecodeOptions {
        DecodeOptions(orientation: orientation,
                      jpegScaling: jpegScaling == .fast ? .fast(minShortSide: preprocessing.resizeShorterSide) : .exact)
    }
}
