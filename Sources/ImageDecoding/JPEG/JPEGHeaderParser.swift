#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks a JPEG's marker structure from SOI to EOI without decoding: segments by their lengths, entropy-coded
/// data by looking for the next 0xFF that is neither a stuffed 0xFF00 nor a restart marker (as libjpeg finds
/// markers). One linear pass, ~memchr speed; it refuses what libjpeg would refuse in the headers, and what we
/// refuse by design (12-bit, lossless, hierarchical), before any decoding.
enum JPEGHeaderParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: DecodeLimits) throws(ImageDecodingError) -> JPEGHeader {
        var walk = Walk()
        try walk.run(bytes)
        guard let frame = walk.frame else {
            throw .invalidHeader(format: .jpeg, reason: "the data ends after \(bytes.count) bytes, before the frame header (SOF)")
        }
        guard walk.scans > 0 else {
            throw .invalidHeader(format: .jpeg, reason: "the data ends after \(bytes.count) bytes, before the first scan (SOS)")
        }
        if walk.scans > limits.maxScans { throw .tooManyScans(count: walk.scans, limit: limits.maxScans) }
        if walk.markers > limits.maxMarkers { throw .tooManyMarkers(count: walk.markers, limit: limits.maxMarkers) }
        return JPEGHeader(
            width: frame.width, height: frame.height, precision: 8, frameMarker: frame.marker, components: frame.components,
            colorSpace: colorSpace(frame.components, jfif: walk.jfif, adobeTransform: walk.adobeTransform),
            adobeTransform: walk.adobeTransform, restartInterval: walk.restartInterval, scans: walk.scans,
            markers: walk.markers, orientation: walk.orientation())
    }

    /// libjpeg's guess (jdapimin.c, default_decompress_parms), which the decode follows too.
    static func colorSpace(_ components: [JPEGHeader.Component], jfif: Bool, adobeTransform: Int?) -> JPEGHeader.ColorSpace {
        switch components.count {
        case 1: return .grayscale
        case 3:
            if jfif { return .yCbCr }
            if let transform = adobeTransform { return transform == 0 ? .rgb : .yCbCr }
            let ids = components.map(\.id)
            return ids == [82, 71, 66] ? .rgb : .yCbCr // 'R', 'G', 'B'; anything else is taken as YCbCr
        default:
            return adobeTransform.map { $0 == 0 ? .cmyk : .ycck } ?? .cmyk
        }
    }

    struct Frame {
        let marker: UInt8
        let width: Int, height: Int
        let components: [JPEGHeader.Component]
    }

    /// The state of one walk; headers are only read before the first scan, as libjpeg and Pillow read them.
    struct Walk {
        var frame: Frame?
        var scans = 0
        var markers = 0
        var jfif = false
        var adobeTransform: Int?
        var restartInterval = 0
        var exif: [UInt8]?   // the Exif APP1 payloads, concatenated as Pillow concatenates them
        var xmp: ArraySlice<UInt8>?

        mutating func run(_ b: UnsafeBufferPointer<UInt8>) throws(ImageDecodingError) {
            var p = 2 // after SOI (the sniffer saw FF D8 FF)
            while p < b.count {
                // Find the next marker: libjpeg skips (and warns about) stray bytes, and fill bytes 0xFF.
                guard let ff = Self.nextFF(b, from: p) else { return }
                p = ff
                while p < b.count && b[p] == 0xFF { p += 1 }
                guard p < b.count else { return }
                let marker = b[p]
                p += 1
                switch marker {
                case 0x00: continue                         // a stuffed byte outside a scan: stray data
                case 0xD0...0xD7, 0x01: continue            // RSTn, TEM: no length
                case 0xD8: throw .invalidHeader(format: .jpeg, reason: "a second start-of-image marker (SOI)")
                case 0xD9:
                    if scans == 0 { throw .invalidHeader(format: .jpeg, reason: "end of image (EOI) before any scan") }
                    return
                default: break
                }
                guard p + 2 <= b.count else { return }      // cut inside the length: the decode reports truncation
                let length = Int(b[p]) << 8 | Int(b[p + 1])
                guard length >= 2 else {
                    throw .invalidHeader(format: .jpeg, reason: "marker 0x\(Self.hex(marker)) has length \(length)")
                }
                markers += 1
                let end = min(p + length, b.count)
                let payload = UnsafeBufferPointer(rebasing: b[(p + 2)..<max(p + 2, end)])
                let complete = p + length <= b.count
                try segment(marker, payload, complete: complete)
                p = end
                if marker == 0xDA { p = Self.endOfEntropyData(b, from: p) }
            }
        }

        mutating func segment(_ marker: UInt8, _ s: UnsafeBufferPointer<UInt8>, complete: Bool) throws(ImageDecodingError) {
            let inHeaders = scans == 0
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                guard frame == nil else { throw .invalidHeader(format: .jpeg, reason: "a second frame header (SOF)") }
                guard complete else { return }
                frame = try Self.frame(marker, s)
            case 0xDA:
                guard frame != nil else { throw .invalidHeader(format: .jpeg, reason: "a scan (SOS) before the frame header (SOF)") }
                scans += 1
            case 0xDD where inHeaders && s.count >= 2:
                restartInterval = Int(s[0]) << 8 | Int(s[1])
            case 0xE0 where inHeaders:
                if s.count >= 14 && s.starts(with: Array("JFIF\0".utf8)) { jfif = true }
            case 0xE1 where inHeaders && complete:
                if s.starts(with: Self.exifSignature) {
                    if exif == nil { exif = Array(s) } else { exif! += s.dropFirst(6) }
                } else if s.starts(with: Self.xmpSignature) {
                    xmp = ArraySlice(s.dropFirst(Self.xmpSignature.count))
                }
            case 0xEE where inHeaders:
                if s.count >= 12 && s.starts(with: Array("Adobe".utf8)) { adobeTransform = Int(s[11]) }
            case 0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xE0...0xEF, 0xFE:
                break // tables, DNL, APPn, COM: skipped by length
            default:
                throw .invalidHeader(format: .jpeg, reason: "marker 0x\(Self.hex(marker)) is not one libjpeg accepts")
            }
        }

        func orientation() -> ExifOrientation? {
            if var data = exif?[...] {
                // Pillow drops one or two "Exif\0\0" prefixes before the TIFF structure.
                for _ in 0..<2 where data.starts(with: Self.exifSignature) { data = data.dropFirst(6) }
                if case .present(let orientation) = ExifOrientationParser.orientation(tiff: data) { return orientation }
            }
            return xmp.flatMap { ExifOrientationParser.orientation(xmp: $0) }
        }

        static let exifSignature = Array("Exif\0\0".utf8)
        static let xmpSignature = Array("http://ns.adobe.com/xap/1.0/\0".utf8)

        static func frame(_ marker: UInt8, _ s: UnsafeBufferPointer<UInt8>) throws(ImageDecodingError) -> Frame {
            let sof = "SOF\(marker - 0xC0)"
            switch marker {
            case 0xC3, 0xCB: throw .unsupportedVariant(format: .jpeg, reason: "lossless JPEG (\(sof)) is not supported")
            case 0xC5...0xC7, 0xCD...0xCF:
                throw .unsupportedVariant(format: .jpeg, reason: "hierarchical JPEG (\(sof)) is not supported")
            default: break
            }
            guard s.count >= 6 else { throw .invalidHeader(format: .jpeg, reason: "the frame header (\(sof)) is \(s.count + 2) bytes long") }
            let precision = Int(s[0]), height = Int(s[1]) << 8 | Int(s[2]), width = Int(s[3]) << 8 | Int(s[4])
            let count = Int(s[5])
            guard precision == 8 else {
                throw .unsupportedVariant(format: .jpeg, reason: "\(precision)-bit samples (only 8-bit JPEGs are supported)")
            }
            guard s.count == 6 + 3 * count else {
                throw .invalidHeader(format: .jpeg, reason: "the frame header (\(sof)) is \(s.count + 2) bytes long for \(count) components")
            }
            guard [1, 3, 4].contains(count) else {
                throw .unsupportedVariant(format: .jpeg, reason: "\(count) colour components (1, 3 or 4 are supported)")
            }
            guard width > 0 else { throw .invalidHeader(format: .jpeg, reason: "the frame is 0 pixels wide") }
            guard height > 0 else {
                throw .unsupportedVariant(format: .jpeg, reason: "the height is given later by a DNL marker (libjpeg does not support it)")
            }
            var components: [JPEGHeader.Component] = []
            for i in 0..<count {
                let h = Int(s[7 + 3 * i] >> 4), v = Int(s[7 + 3 * i] & 15)
                guard (1...4).contains(h), (1...4).contains(v) else {
                    throw .invalidHeader(format: .jpeg, reason: "component \(i) has sampling factors \(h)x\(v) (1…4 allowed)")
                }
                components.append(JPEGHeader.Component(id: Int(s[6 + 3 * i]), horizontalSampling: h, verticalSampling: v))
            }
            return Frame(marker: marker, width: width, height: height, components: components)
        }

        static func nextFF(_ b: UnsafeBufferPointer<UInt8>, from p: Int) -> Int? {
            guard p < b.count, let base = b.baseAddress else { return nil }
            guard let found = memchr(base + p, 0xFF, b.count - p) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }

        /// The index of the 0xFF that starts the first marker after a scan's entropy-coded data (or the end).
        static func endOfEntropyData(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
            var p = start
            while let ff = nextFF(b, from: p) {
                var q = ff + 1
                while q < b.count && b[q] == 0xFF { q += 1 }
                guard q < b.count else { return b.count }
                let next = b[q]
                if next == 0x00 || (0xD0...0xD7).contains(next) {
                    p = q + 1
                    continue
                }
                return q - 1
            }
            return b.count
        }

        static func hex(_ byte: UInt8) -> String {
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }
    }
}
