@testable import ImageDecoding
import ShuffleNet
import XCTest

/// The orientation parser against hand-built TIFF structures (both byte orders, every integer type, broken
/// ones), and the tiled transform against its per-pixel twin on awkward sizes.
final class ExifOrientationTests: XCTestCase {
    /// A TIFF structure whose IFD0 holds `entries` (tag, type, count, 4 value bytes as stored).
    func tiff(bigEndian: Bool, _ entries: [(tag: UInt16, type: UInt16, count: UInt32, value: [UInt8])], ifdOffset: UInt32 = 8) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        var out: [UInt8] = bigEndian ? [0x4D, 0x4D, 0x00, 0x2A] : [0x49, 0x49, 0x2A, 0x00]
        out += u32(ifdOffset) + [UInt8](repeating: 0, count: Int(ifdOffset) - 8)
        out += u16(UInt16(entries.count))
        for entry in entries { out += u16(entry.tag) + u16(entry.type) + u32(entry.count) + entry.value }
        return out + u32(0)
    }

    func short(_ value: UInt16, bigEndian: Bool) -> [UInt8] {
        bigEndian ? [UInt8(value >> 8), UInt8(value & 0xFF), 0, 0] : [UInt8(value & 0xFF), UInt8(value >> 8), 0, 0]
    }

    func orientation(_ bytes: [UInt8]) -> ExifOrientationParser.Lookup { ExifOrientationParser.orientation(tiff: bytes[...]) }

    func testBothByteOrdersAndEveryIntegerType() {
        for bigEndian in [false, true] {
            for value in 1...8 {
                let entry = (tag: UInt16(0x0112), type: UInt16(3), count: UInt32(1), value: short(UInt16(value), bigEndian: bigEndian))
                XCTAssertEqual(orientation(tiff(bigEndian: bigEndian, [entry])), .present(ExifOrientation(rawValue: value)))
            }
            let long: [UInt8] = bigEndian ? [0, 0, 0, 6] : [6, 0, 0, 0]
            XCTAssertEqual(orientation(tiff(bigEndian: bigEndian, [(0x0112, 4, 1, long)])), .present(.rightTop))
            XCTAssertEqual(orientation(tiff(bigEndian: bigEndian, [(0x0112, 1, 1, [8, 0, 0, 0])])), .present(.leftBottom))
            // Other tags before it, and the IFD further on.
            let other = (tag: UInt16(0x010F), type: UInt16(2), count: UInt32(4), value: Array("Cam\0".utf8))
            XCTAssertEqual(orientation(tiff(bigEndian: bigEndian, [other, (0x0112, 3, 1, short(3, bigEndian: bigEndian))], ifdOffset: 20)),
                           .present(.bottomRight))
        }
    }

    func testValuesThatAreNotOrientationsLeaveTheImageAlone() {
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 3, 1, short(0, bigEndian: false))])), .present(nil))
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 3, 1, short(9, bigEndian: false))])), .present(nil))
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 3, 2, [6, 0, 6, 0])])), .present(nil), "two values")
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 2, 2, Array("6\0\0\0".utf8))])), .present(nil), "ASCII")
        // Unknown types and empty entries are skipped, so a later entry counts (as Pillow reads them).
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 99, 1, short(3, bigEndian: false)), (0x0112, 3, 1, short(6, bigEndian: false))])),
                       .present(.rightTop))
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 3, 0, short(3, bigEndian: false))])), .absent)
        // The first readable entry wins.
        XCTAssertEqual(orientation(tiff(bigEndian: true, [(0x0112, 3, 1, short(2, bigEndian: true)), (0x0112, 3, 1, short(6, bigEndian: true))])),
                       .present(.topRight))
        // Values stored out of line (several LONGs) that point past the end are skipped.
        XCTAssertEqual(orientation(tiff(bigEndian: false, [(0x0112, 4, 3, [0xF0, 0, 0, 0])])), .absent)
    }

    func testBrokenStructuresAreNoOrientation() {
        let good = tiff(bigEndian: false, [(0x0112, 3, 1, short(6, bigEndian: false))])
        XCTAssertEqual(orientation(good), .present(.rightTop))
        for cut in 0..<good.count - 4 {  // the last 4 bytes are the next-IFD offset, not needed
            XCTAssertEqual(orientation(Array(good.prefix(cut))), .absent, "cut at \(cut)")
        }
        var badMagic = good
        badMagic[2] = 0x2B // BigTIFF
        XCTAssertEqual(orientation(badMagic), .absent)
        var farIFD = good
        farIFD[4] = 0xFF
        XCTAssertEqual(orientation(farIFD), .absent)
        var manyEntries = good
        manyEntries[8] = 0xFF // 255 entries claimed, one present
        XCTAssertEqual(orientation(manyEntries), .present(.rightTop))
    }

    func testXMPOrientationAsPillowFindsIt() {
        func xmp(_ text: String) -> ExifOrientation? { ExifOrientationParser.orientation(xmp: Array(text.utf8)[...]) }
        XCTAssertEqual(xmp(#"<rdf:Description tiff:Orientation="6" />"#), .rightTop)
        XCTAssertEqual(xmp("<tiff:Orientation>3</tiff:Orientation>"), .bottomRight)
        XCTAssertEqual(xmp(#"tiff:OrientationX tiff:Orientation="8""#), .leftBottom, "the first full match")
        XCTAssertNil(xmp(#"tiff:Orientation="9""#))
        XCTAssertNil(xmp(#"tiff:Orientation=""#))
        XCTAssertNil(xmp("tiff:Orientation"))
        XCTAssertNil(xmp(""))
    }

    /// The per-pixel twin: where each displayed pixel comes from, written out per orientation as in the EXIF
    /// specification's drawings (row 0 / column 0 of the stored image at the named side).
    func slowApply(_ orientation: ExifOrientation, _ image: RGBImage) -> RGBImage {
        let w = image.width, h = image.height
        let (outW, outH) = orientation.swapsAxes ? (h, w) : (w, h)
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        for y in 0..<outH {
            for x in 0..<outW {
                let (sx, sy): (Int, Int)
                switch orientation {
                case .topLeft: (sx, sy) = (x, y)
                case .topRight: (sx, sy) = (w - 1 - x, y)
                case .bottomRight: (sx, sy) = (w - 1 - x, h - 1 - y)
                case .bottomLeft: (sx, sy) = (x, h - 1 - y)
                case .leftTop: (sx, sy) = (y, x)
                case .rightTop: (sx, sy) = (y, h - 1 - x)
                case .rightBottom: (sx, sy) = (w - 1 - y, h - 1 - x)
                case .leftBottom: (sx, sy) = (w - 1 - y, x)
                }
                for c in 0..<3 { out[(y * outW + x) * 3 + c] = image.pixels[(sy * w + sx) * 3 + c] }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }

    func testTiledTransformMatchesThePerPixelTwin() {
        var random = SplitMix64(seed: 0x0e1f)
        for (w, h) in [(1, 1), (1, 37), (37, 1), (31, 33), (32, 32), (33, 65), (64, 31), (100, 3), (97, 130)] {
            let image = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            for orientation in ExifOrientation.allCases {
                XCTAssertEqual(orientation.apply(to: image), slowApply(orientation, image), "\(orientation) on \(w)×\(h)")
            }
        }
        XCTAssertEqual(ExifOrientation.topLeft.apply(to: RGBImage(width: 0, height: 0, pixels: [])).pixels, [])
    }
}
