/// What `ImageDecoder.probe` learnt from an image's headers without decoding it: enough to refuse it (format,
/// limits) and to plan the decode (size, orientation, scaling).
public struct ImageHeader: Sendable, Equatable {
    /// What each format's headers say beyond the common fields.
    public enum Details: Sendable, Equatable {
        case png(PNGHeader)
        case jpeg(JPEGHeader)
    }

    public let format: ImageFormat
    /// Pixels as stored, before orientation and scaling.
    public let width: Int
    public let height: Int
    /// The EXIF orientation tag (JPEG; `.topLeft`, i.e. none, for PNG). `ImageDecoder.decode` applies it by
    /// default.
    public let orientation: ExifOrientation
    public let details: Details

    init(format: ImageFormat, width: Int, height: Int, orientation: ExifOrientation = .topLeft, details: Details) {
        self.format = format
        self.width = width
        self.height = height
        self.orientation = orientation
        self.details = details
    }

    /// The size a person sees: width and height swapped when the orientation turns the image a quarter.
    public var orientedSize: (width: Int, height: Int) {
        orientation.swapsAxes ? (height, width) : (width, height)
    }
}
