/// The facts of a JPEG's markers, read without decoding anything: the frame header (SOF), the colour
/// transform markers (JFIF APP0, Adobe APP14), the orientation (APP1 Exif or XMP) and the counts of scans and
/// marker segments over the whole stream, so that limits are enforced before a single pixel is allocated.
public struct JPEGHeader: Sendable, Equatable {
    /// The colour space of the stored components, decided as libjpeg decides it (JFIF and Adobe markers, then
    /// the component ids).
    public enum ColorSpace: String, Sendable, Equatable {
        case grayscale, yCbCr, rgb, cmyk, ycck
    }

    public struct Component: Sendable, Equatable {
        public let id: Int                  // the component identifier byte
        public let horizontalSampling: Int  // 1…4
        public let verticalSampling: Int    // 1…4
    }

    public let width: Int          // pixels, 1…65535
    public let height: Int         // pixels, 1…65535
    public let precision: Int      // bits per sample; always 8 (others are refused)
    /// The SOF marker's second byte: 0xC0 baseline, 0xC1 extended sequential, 0xC2 progressive; 0xC9 and 0xCA
    /// the same two with arithmetic coding.
    public let frameMarker: UInt8
    public let components: [Component]
    public let colorSpace: ColorSpace
    /// The Adobe APP14 transform byte (0 none: RGB or CMYK; 1 YCbCr; 2 YCCK), when the marker is there.
    public let adobeTransform: Int?
    /// MCUs between restart markers in the last DRI before the first scan; 0 when there is none.
    public let restartInterval: Int
    /// Scans (SOS markers) in the whole stream.
    public let scans: Int
    /// Marker segments in the whole stream up to EOI (every marker but SOI, EOI, RSTn and TEM).
    public let markers: Int
    /// The orientation as Pillow's `getexif()` reads it (Exif IFD0, else XMP); nil when there is none or its
    /// value is not 1…8.
    public let orientation: ExifOrientation?

    public var progressive: Bool { frameMarker == 0xC2 || frameMarker == 0xCA }
    public var arithmetic: Bool { frameMarker == 0xC9 || frameMarker == 0xCA }

    /// Chroma subsampling in the usual notation ("4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1"; a fourth
    /// component, K, sampled as the first), "" for one component, else the sampling factors ("2x2,1x1,1x2").
    public var subsampling: String {
        guard components.count >= 3 else { return "" }
        let first = components[0]
        let chroma = components[1...2]
        let factors = components.map { "\($0.horizontalSampling)x\($0.verticalSampling)" }.joined(separator: ",")
        guard chroma.allSatisfy({ $0.horizontalSampling == 1 && $0.verticalSampling == 1 }),
              components.count == 3 || components[3].horizontalSampling == first.horizontalSampling && components[3].verticalSampling == first.verticalSampling
        else { return factors }
        switch (first.horizontalSampling, first.verticalSampling) {
        case (1, 1): return "4:4:4"
        case (2, 1): return "4:2:2"
        case (2, 2): return "4:2:0"
        case (1, 2): return "4:4:0"
        case (4, 1): return "4:1:1"
        default: return factors
        }
    }
}
