/// The facts of a PNG's IHDR chunk, read without decoding anything, so that limits can be enforced
/// before a single pixel is allocated (a 100 000 × 100 000 header costs nothing to refuse).
public struct PNGHeader: Sendable, Equatable {
    public let width: Int        // pixels, 1…2³¹−1
    public let height: Int       // pixels, 1…2³¹−1
    public let bitDepth: Int     // 1, 2, 4, 8 or 16
    public let colorType: Int    // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
    public let interlaced: Bool  // Adam7

    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Parses the signature and IHDR (bytes 0…32); the caller has sniffed the signature.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(ImageDecodingError) -> PNGHeader {
        let b = Array(bytes.prefix(33))
        guard b.count >= 33 else {
            throw .invalidHeader(format: .png, reason: "the file ends after \(b.count) bytes, before the 13-byte IHDR chunk is complete")
        }
        func u32(_ at: Int) -> UInt32 {
            UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
        }
        let length = u32(8)
        let type = String(decoding: b[12..<16], as: UTF8.self)
        guard type == "IHDR" else { throw .invalidHeader(format: .png, reason: "the first chunk is '\(type)', not IHDR") }
        guard length == 13 else { throw .invalidHeader(format: .png, reason: "IHDR is \(length) bytes long, not 13") }
        let width = u32(16), height = u32(20)
        let depth = Int(b[24]), color = Int(b[25])
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw .invalidHeader(format: .png, reason: "dimensions \(width)×\(height) are outside 1…2147483647")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[color] else { throw .invalidHeader(format: .png, reason: "colour type \(color) does not exist") }
        guard depths.contains(depth) else {
            throw .invalidHeader(format: .png, reason: "bit depth \(depth) is not allowed with colour type \(color)")
        }
        guard b[26] == 0, b[27] == 0, b[28] <= 1 else {
            throw .invalidHeader(format: .png, reason: "unknown compression, filter or interlace method (\(b[26]), \(b[27]), \(b[28]))")
        }
        return PNGHeader(width: Int(width), height: Int(height), bitDepth: depth, colorType: color, interlaced: b[28] == 1)
    }
}
