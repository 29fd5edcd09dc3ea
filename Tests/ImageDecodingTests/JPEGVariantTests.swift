import ImageDecoding
import XCTest

/// JPEG variants made at test time with Pillow (and cjpeg where Pillow cannot write one) decode to Pillow's
/// own pixels: baseline, progressive, arithmetic, greyscale, RGB, CMYK, YCCK, restart intervals, every common
/// subsampling, odd and tiny sizes.
final class JPEGVariantTests: VariantFixtureTestCase {

    /// Refused by default, on purpose (see JPEGHostileInputTests).
    static let refusedByDefault: Set<String> = ["many-scans"]

    func testEveryVariantDecodesToPillowsPixels() throws {
        let fixtures = try variants()
        let names = fixtures.entries.keys.filter { $0 != "picture" && !Self.refusedByDefault.contains($0) }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 30)
        for name in names {
            let bytes = try fixtures.bytes(name)
            let header = try ImageDecoder.probe(bytes)
            XCTAssertEqual(header.format, .jpeg, name)
            let image = try ImageDecoder.decode(bytes, header: header)
            let worst = worstDifference(image, try fixtures.reference(name))
            XCTAssertLessThanOrEqual(worst, 1, "\(name) (\(fixtures.entries[name]!.note)): a sample differs by \(worst)")
        }
    }

    func testHeadersSayWhatTheFilesAre() throws {
        let fixtures = try variants()
        func jpeg(_ name: String) throws -> JPEGHeader {
            let limits = DecodeLimits(maxScans: 1000) // many-scans is refused by default
            guard case .jpeg(let header) = try ImageDecoder.probe(try fixtures.bytes(name), limits: limits).details else {
                throw XCTSkip("not a JPEG header")
            }
            return header
        }
        let expectations: [(String, String, JPEGHeader.ColorSpace, Bool, Bool)] = [
            // name, subsampling, colour space, progressive, arithmetic
            ("baseline-444", "4:4:4", .yCbCr, false, false), ("baseline-422", "4:2:2", .yCbCr, false, false),
            ("baseline-420", "4:2:0", .yCbCr, false, false), ("sampling-440", "4:4:0", .yCbCr, false, false),
            ("sampling-411", "4:1:1", .yCbCr, false, false), ("progressive-420", "4:2:0", .yCbCr, true, false),
            ("grayscale", "", .grayscale, false, false), ("cmyk", "4:4:4", .cmyk, false, false),
            ("ycck", "4:4:4", .ycck, false, false), ("rgb", "4:4:4", .rgb, false, false),
            ("arithmetic", "4:2:0", .yCbCr, false, true), ("arithmetic-progressive", "4:2:0", .yCbCr, true, true),
        ]
        for (name, subsampling, colorSpace, progressive, arithmetic) in expectations {
            let header = try jpeg(name)
            XCTAssertEqual(header.subsampling, subsampling, name)
            XCTAssertEqual(header.colorSpace, colorSpace, name)
            XCTAssertEqual(header.progressive, progressive, name)
            XCTAssertEqual(header.arithmetic, arithmetic, name)
            XCTAssertEqual(header.precision, 8, name)
            XCTAssertEqual(header.width, 203, name)
            XCTAssertEqual(header.height, 131, name)
        }
        XCTAssertEqual(try jpeg("baseline-420").scans, 1)
        XCTAssertGreaterThan(try jpeg("progressive-420").scans, 5)
        XCTAssertEqual(try jpeg("many-scans").scans, 200)
        XCTAssertEqual(try jpeg("cmyk").adobeTransform, 0)
        XCTAssertEqual(try jpeg("ycck").adobeTransform, 2)
        XCTAssertEqual(try jpeg("baseline-420").restartInterval, 0)
        XCTAssertEqual(try jpeg("restart-blocks").restartInterval, 3)
        // Pillow's restart_marker_rows=1: one MCU row of ⌈203 / 16⌉ = 13 MCUs.
        XCTAssertEqual(try jpeg("restart-rows").restartInterval, 13)
    }

    /// The tag applied to the stored (turned) picture gives the upright picture back: Pillow's exif_transpose
    /// within ±1, and the synthetic picture itself within JPEG's loss, for all eight orientations in both byte
    /// orders and from XMP.
    func testOrientationsOneToEightTurnThePictureUpright() throws {
        let fixtures = try variants()
        let picture = try fixtures.reference("picture", upright: false)
        for name in (1...8).map({ "orientation-\($0)" }) + ["xmp-orientation-6"] {
            let bytes = try fixtures.bytes(name)
            let header = try ImageDecoder.probe(bytes)
            let expected = name.hasPrefix("xmp") ? 6 : Int(name.split(separator: "-").last!)!
            XCTAssertEqual(header.orientation.rawValue, expected, name)
            XCTAssertEqual(header.orientedSize.width, 203, name)
            let upright = try ImageDecoder.decode(bytes, header: header)
            XCTAssertLessThanOrEqual(worstDifference(upright, try fixtures.reference(name)), 1, name)
            XCTAssertLessThan(meanDifference(upright, picture), 3, "\(name) is not the upright picture")
            // orientation=ignore keeps the stored pixels: Pillow's convert("RGB") without exif_transpose.
            let stored = try ImageDecoder.decode(bytes, header: header, options: DecodeOptions(orientation: .ignore))
            XCTAssertLessThanOrEqual(worstDifference(stored, try fixtures.reference(name, upright: false)), 1, name)
        }
    }

    /// fast(minShortSide:) takes the largest of 1/2, 1/4, 1/8 that keeps the shorter side at least the target,
    /// and the reduced image is the picture (close to a box average of the exact decode).
    func testFastScalingPicksTheLargestReductionThatKeepsTheTarget() throws {
        let fixtures = try variants()
        let bytes = try fixtures.bytes("large-1000x700")
        let header = try ImageDecoder.probe(bytes)
        let exact = try ImageDecoder.decode(bytes, header: header)
        XCTAssertLessThanOrEqual(worstDifference(exact, try fixtures.reference("large-1000x700")), 1)
        // Shorter side 700: 350 at 1/2, 175 at 1/4, 88 (⌈87.5⌉) at 1/8.
        let cases: [(target: Int, denominator: Int, width: Int, height: Int)] = [
            (88, 8, 125, 88), (89, 4, 250, 175), (175, 4, 250, 175), (224, 2, 500, 350), (350, 2, 500, 350),
            (351, 1, 1000, 700), (700, 1, 1000, 700), (5000, 1, 1000, 700),
        ]
        for (target, denominator, width, height) in cases {
            let scaling = JPEGScaling.fast(minShortSide: target)
            XCTAssertEqual(scaling.denominator(width: 1000, height: 700), denominator, "target \(target)")
            let image = try ImageDecoder.decode(bytes, header: header, options: DecodeOptions(jpegScaling: scaling))
            XCTAssertEqual(image.width, width, "target \(target)")
            XCTAssertEqual(image.height, height, "target \(target)")
            if denominator == 1 {
                XCTAssertEqual(image, exact, "an image under twice the target is decoded exactly")
            } else {
                let box = boxAverage(exact, denominator)
                XCTAssertLessThan(meanDifference(image, box), 2.5, "1/\(denominator) is not the picture")
            }
        }
        XCTAssertEqual(JPEGScaling.exact.denominator(width: 4000, height: 3000), 1)
        XCTAssertEqual(JPEGScaling.fast(minShortSide: 256).denominator(width: 4000, height: 3000), 8) // 375
        XCTAssertEqual(JPEGScaling.fast(minShortSide: 256).denominator(width: 3000, height: 2000), 4) // 500 → 250 at 1/8
        // libjpeg rounds up: ⌈511 / 2⌉ = 256 keeps the target, ⌈509 / 2⌉ = 255 does not.
        XCTAssertEqual(JPEGScaling.fast(minShortSide: 256).denominator(width: 511, height: 900), 2)
        XCTAssertEqual(JPEGScaling.fast(minShortSide: 256).denominator(width: 509, height: 900), 1)
        // Orientation applies after scaling: a quarter turn swaps the reduced sides.
        let turned = try fixtures.bytes("orientation-6")
        let small = try ImageDecoder.decode(turned, options: DecodeOptions(jpegScaling: .fast(minShortSide: 60)))
        XCTAssertEqual(small.width, 102) // ⌈203 / 2⌉, upright
        XCTAssertEqual(small.height, 66)
    }

    /// Mean of each d × d block (partial blocks at the right and bottom edges averaged over what they hold).
    func boxAverage(_ image: RGBImage, _ d: Int) -> RGBImage {
        let w = (image.width + d - 1) / d, h = (image.height + d - 1) / d
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 0, n = 0
                    for sy in (y * d)..<min(y * d + d, image.height) {
                        for sx in (x * d)..<min(x * d + d, image.width) {
                            sum += Int(image.pixels[(sy * image.width + sx) * 3 + c])
                            n += 1
                        }
                    }
                    out[(y * w + x) * 3 + c] = UInt8((sum + n / 2) / n)
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
