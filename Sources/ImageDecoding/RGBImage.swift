/// An 8-bit RGB image: `pixels` is height × width × 3 bytes, row-major, no padding.
public struct RGBImage: Sendable, Equatable {
    public let width: Int   // pixels
    public let height: Int  // pixels
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes do not hold \(width)×\(height)×3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
