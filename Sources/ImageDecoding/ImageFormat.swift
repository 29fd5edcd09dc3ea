/// What a byte string looks like, judged from its first bytes, so that a refusal can say what was sent.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case png, jpeg, gif, webp, bmp, tiff, ico, avif, heic, jpeg2000, qoi, pdf, gzip, zip, html, xml, json
    case text, empty, unknown

    /// The formats `ImageDecoder` decodes; every other one is refused by name.
    public static let supported: [ImageFormat] = [.png, .jpeg]

    public var isSupported: Bool { Self.supported.contains(self) }

    /// Sniffs the magic numbers at the start of `bytes`.
    public static func sniff<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(32))
        if head.isEmpty { return .empty }
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        func ascii(_ s: String, at offset: Int = 0) -> Bool { starts(Array(s.utf8), at: offset) }

        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if ascii("GIF87a") || ascii("GIF89a") { return .gif }
        if ascii("RIFF") && ascii("WEBP", at: 8) { return .webp }
        if ascii("BM") && head.count >= 14 { return .bmp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts([0x00, 0x00, 0x01, 0x00]) { return .ico }
        if ascii("ftyp", at: 4) {
            if ascii("avif", at: 8) || ascii("avis", at: 8) { return .avif }
            if ascii("heic", at: 8) || ascii("heix", at: 8) || ascii("mif1", at: 8) { return .heic }
        }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) {
            return .jpeg2000
        }
        if ascii("qoif") { return .qoi }
        if ascii("%PDF") { return .pdf }
        if starts([0x1F, 0x8B]) { return .gzip }
        if ascii("PK") && head.count >= 4 && (head[2] == 3 || head[2] == 5) { return .zip }

        // Text formats: skip a UTF-8 byte-order mark and leading white space.
        var text = head[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        text = text.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let lower = String(decoding: text.prefix(14), as: UTF8.self).lowercased()
        if lower.hasPrefix("<!doctype html") || lower.hasPrefix("<html") { return .html }
        if lower.hasPrefix("<?xml") || lower.hasPrefix("<svg") { return .xml }
        if lower.hasPrefix("{") || lower.hasPrefix("[") { return .json }
        let printable = head.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 >= 0x80 }
        return printable ? .text : .unknown
    }

    /// The format's short name for messages: "PNG", "JPEG", "WebP".
    public var name: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        case .gif: return "GIF"
        case .webp: return "WebP"
        case .bmp: return "BMP"
        case .tiff: return "TIFF"
        case .ico: return "ICO"
        case .avif: return "AVIF"
        case .heic: return "HEIC"
        case .jpeg2000: return "JPEG 2000"
        case .qoi: return "QOI"
        case .pdf: return "PDF"
        case .gzip: return "gzip"
        case .zip: return "ZIP"
        case .html: return "HTML"
        case .xml: return "XML"
        case .json: return "JSON"
        case .text: return "text"
        case .empty: return "empty"
        case .unknown: return "unknown"
        }
    }

    /// A human name for messages: "a JPEG image", "an empty body".
    public var description: String {
        switch self {
        case .png: return "a PNG image"
        case .jpeg: return "a JPEG image"
        case .gif: return "a GIF image"
        case .webp: return "a WebP image"
        case .bmp: return "a BMP image"
        case .tiff: return "a TIFF image"
        case .ico: return "a Windows icon"
        case .avif: return "an AVIF image"
        case .heic: return "a HEIC image"
        case .jpeg2000: return "a JPEG 2000 image"
        case .qoi: return "a QOI image"
        case .pdf: return "a PDF document"
        case .gzip: return "gzip-compressed data"
        case .zip: return "a ZIP archive"
        case .html: return "an HTML document"
        case .xml: return "an XML or SVG document"
        case .json: return "JSON text"
        case .text: return "plain text"
        case .empty: return "an empty file"
        case .unknown: return "binary data of an unknown format"
        }
    }
}
