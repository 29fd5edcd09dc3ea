/// Limits judged by `ImageDecoder.probe` from the headers, before a single pixel is allocated.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width × height accepted (pixels, as stored, before any scaling). The default, 40 MP, is ~120 MB
    /// of RGB; a 12 MP phone photo is 36 MB.
    public var maxPixels: Int
    /// Largest number of JPEG scans (SOS markers). Standard progressions use 6–10, optimised ones (mozjpeg) a
    /// few more; each scan walks every block of the image, so thousands of tiny scans are a CPU bomb. 100 is
    /// also the cap Skia's JPEG decoder applies.
    public var maxScans: Int
    /// Largest number of JPEG marker segments (every marker but SOI, EOI, RSTn), up to EOI. A camera photo has
    /// ~10–30 (EXIF, XMP, ICC profile parts, tables); a progressive one adds a table and a scan header per
    /// scan.
    public var maxMarkers: Int

    public static let defaultMaxPixels = 40_000_000
    public static let defaultMaxScans = 100
    public static let defaultMaxMarkers = 1000

    public init(maxPixels: Int = DecodeLimits.defaultMaxPixels, maxScans: Int = DecodeLimits.defaultMaxScans,
                maxMarkers: Int = DecodeLimits.defaultMaxMarkers) {
        self.maxPixels = maxPixels
        self.maxScans = maxScans
        self.maxMarkers = maxMarkers
    }
}
