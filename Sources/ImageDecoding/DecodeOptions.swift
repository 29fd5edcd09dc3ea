/// How `ImageDecoder.decode` turns a probed image into RGB.
public struct DecodeOptions: Sendable, Equatable {
    /// Whether the EXIF orientation tag is applied (the default: what a person sees is what is decoded).
    public enum Orientation: String, Sendable, Equatable, CaseIterable {
        /// Rotate and mirror as the tag says, as Pillow's `ImageOps.exif_transpose` does.
        case apply
        /// Keep the pixels as stored.
        case ignore
    }

    public var orientation: Orientation
    public var jpegScaling: JPEGScaling

    public init(orientation: Orientation = .apply, jpegScaling: JPEGScaling = .exact) {
        self.orientation = orientation
        self.jpegScaling = jpegScaling
    }
}

/// JPEG decoding at full size, or reduced inside libjpeg's IDCT (a 12 MP photo is 40× the pixels a 224-pixel
/// model needs, and the reduced IDCTs skip most of the work).
public enum JPEGScaling: Sendable, Equatable {
    /// Full size; the pixels equal Pillow's `Image.open(f).convert("RGB")` within ±1.
    case exact
    /// The largest of the reductions 1/2, 1/4, 1/8 that keeps the shorter side ≥ `minShortSide` pixels (the
    /// resize target); an image under twice the target is decoded at full size.
    case fast(minShortSide: Int)

    /// The reductions with fast reduced IDCTs, largest first.
    public static let denominators = [8, 4, 2]

    /// The scale denominator d (1, 2, 4 or 8) for a `width` × `height` image: the decoded size is
    /// ⌈width / d⌉ × ⌈height / d⌉, as libjpeg rounds.
    public func denominator(width: Int, height: Int) -> Int {
        guard case .fast(let minShortSide) = self else { return 1 }
        let shorter = min(width, height)
        return Self.denominators.first { (shorter + $0 - 1) / $0 >= minShortSide } ?? 1
    }

    /// The decoded size of a `width` × `height` image.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let d = denominator(width: width, height: height)
        return ((width + d - 1) / d, (height + d - 1) / d)
    }
}
