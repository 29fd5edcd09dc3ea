/// One image format behind the sniffer: it reads its own headers (judging its own limits, e.g. JPEG scans) and
/// decodes to RGB. Adding a format is one more conforming type, one `ImageHeader.Details` case and an entry in
/// `ImageDecoder.decoders`.
protocol ImageFormatDecoder: Sendable {
    static var format: ImageFormat { get }
    /// Reads the headers of bytes the sniffer took for `format`; allocates nothing in proportion to the pixels.
    static func probe(_ bytes: UnsafeBufferPointer<UInt8>, limits: DecodeLimits) throws(ImageDecodingError) -> ImageHeader
    /// Decodes at the size `options` ask for, trusting `header` (it neither re-probes nor re-checks limits).
    /// Orientation is left to `ImageDecoder`.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, header: ImageHeader, options: DecodeOptions) throws(ImageDecodingError) -> RGBImage
}

/// The one entry point for every format: `probe` sniffs the format and judges every limit from the headers,
/// before a pixel is allocated (cheap enough for a request thread); `decode` then does the work (on a worker).
public enum ImageDecoder {
    static let decoders: [any ImageFormatDecoder.Type] = [PNGDecoder.self, JPEGDecoder.self]

    /// The headers of `bytes`, or why they are refused: unsupported format (named), invalid header,
    /// unsupported variant, too many pixels (width × height as stored), too many scans or markers (JPEG).
    public static func probe(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) throws(ImageDecodingError) -> ImageHeader {
        let format = ImageFormat.sniff(bytes)
        guard let decoder = decoders.first(where: { $0.format == format }) else { throw .unsupportedFormat(format) }
        let header = try bytes.withUnsafeBufferPointer { buffer throws(ImageDecodingError) in
            try decoder.probe(buffer, limits: limits)
        }
        guard header.width * header.height <= limits.maxPixels else {
            throw .tooManyPixels(width: header.width, height: header.height, limit: limits.maxPixels)
        }
        return header
    }

    /// Decodes bytes that `probe` accepted, with that header, to 8-bit RGB: scaled as `options.jpegScaling`
    /// says, then turned upright when `options.orientation` is `.apply`.
    public static func decode(_ bytes: [UInt8], header: ImageHeader, options: DecodeOptions = DecodeOptions()) throws(ImageDecodingError) -> RGBImage {
        guard let decoder = decoders.first(where: { $0.format == header.format }) else { throw .unsupportedFormat(header.format) }
        let image = try bytes.withUnsafeBufferPointer { buffer throws(ImageDecodingError) in
            try decoder.decode(buffer, header: header, options: options)
        }
        return options.orientation == .apply ? header.orientation.apply(to: image) : image
    }

    /// `probe`, then `decode`: for callers that judge and decode in one place.
    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits(), options: DecodeOptions = DecodeOptions()) throws(ImageDecodingError) -> RGBImage {
        try decode(bytes, header: try probe(bytes, limits: limits), options: options)
    }
}
