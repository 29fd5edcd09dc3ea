import ShuffleNet
import XCTest

final class ConfigTests: XCTestCase {
    func testPaperTableIsReproducedWithinTolerance() {
        for row in PaperTable.rows {
            let mflops = Complexity(row.config).mflops
            let error = abs(mflops - row.paperMFLOPs) / row.paperMFLOPs
            XCTAssertLessThanOrEqual(error, row.tolerance, "\(row.scale)× g\(row.groups): \(mflops) vs paper \(row.paperMFLOPs)")
        }
    }

    func testMegviiPresetsMatchPublishedTables() throws {
        let expected: [(String, Int, [Int], Double)] = [
            ("megvii-0.5x-g3", 12, [120, 240, 480], 0.72), ("megvii-0.5x-g8", 16, [192, 384, 768], 1.01),
            ("megvii-1x-g3", 24, [240, 480, 960], 1.86), ("megvii-1.0x-g8", 24, [384, 768, 1536], 2.43),
            ("megvii-1.5x-g3", 24, [360, 720, 1440], 3.44), ("megvii-1.5x-g8", 24, [576, 1152, 2304], 4.27),
            ("megvii-2x-g3", 48, [480, 960, 1920], 5.45), ("megvii-2.0x-g8", 48, [768, 1536, 3072], 6.52),
        ]
        for (name, stem, widths, millions) in expected {
            let config = try Presets.named(name)
            XCTAssertEqual(config.stem, stem, name)
            XCTAssertEqual(config.widths, widths, name)
            XCTAssertNoThrow(try config.validate(), name)
            XCTAssertEqual(Double(Complexity(config).parameters) / 1e6, millions, accuracy: 0.01, name)
        }
    }

    func testPaperPresetsFollowTheScaledTable() throws {
        XCTAssertEqual(try Presets.named("paper-1x-g1").widths, [144, 288, 576])
        XCTAssertEqual(try Presets.named("paper-1x-g4").widths, [272, 544, 1088])
        XCTAssertEqual(try Presets.named("paper-2x-g3").stem, 48)
        XCTAssertEqual(try Presets.named("paper-0.25x-g3").stem, 12)
        XCTAssertEqual(try Presets.named("paper-1.5x-g3").widths, [360, 720, 1440])
    }

    func testUnknownPresetListsKnownNames() {
        XCTAssertThrowsError(try Presets.named("resnet50")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("resnet50") && text.contains("megvii-0.5x-g3"), text)
        }
    }

    func testInvalidWidthsNameTheRuleTheyBreak() {
        func message(_ config: ShuffleNetConfig) -> String {
            do { try config.validate(); return "" } catch { return "\(error)" }
        }
        // 0.25× g8 with a 12-wide stem: the first stride-2 branch is 96 − 12 = 84, not a multiple of 8.
        let branch = message(ShuffleNetConfig(groups: 8, stem: 12, widths: [96, 192, 384]))
        XCTAssertTrue(branch.contains("out − in = 96 − 12 = 84") && branch.contains("g = 8"), branch)
        // mid = 100/4 = 25 does not divide by 2.
        let mid = message(ShuffleNetConfig(groups: 2, stem: 24, widths: [100, 200, 400]))
        XCTAssertTrue(mid.contains("mid = 100/4 = 25") && mid.contains("g = 2"), mid)
        XCTAssertTrue(message(ShuffleNetConfig(groups: 5, stem: 24, widths: [240, 480, 960])).contains("groups must be one of"))
        XCTAssertTrue(message(ShuffleNetConfig(groups: 3, stem: 24, widths: [240, 480, 960], inputSize: 200)).contains("multiple of 32"))
        XCTAssertTrue(message(ShuffleNetConfig(groups: 3, stem: 24, widths: [240, 480])).contains("3 stages"))
        XCTAssertTrue(message(ShuffleNetConfig(groups: 3, stem: 24, widths: [242, 480, 960])).contains("divide by 4"))
        XCTAssertEqual(message(ShuffleNetConfig(groups: 3, stem: 24, widths: [240, 480, 960], inputSize: 160)), "")
    }

    func testUnitsFollowTheCheckpointLayout() {
        let units = ShuffleNetConfig(groups: 3, stem: 24, widths: [240, 480, 960]).units
        XCTAssertEqual(units.count, 16)
        XCTAssertEqual(units.map(\.stride).filter { $0 == 2 }.count, 3)
        XCTAssertEqual(units[0].firstPointwiseGroups, 1)   // the very first 1×1 conv is not grouped
        XCTAssertEqual(units[4].firstPointwiseGroups, 3)   // first unit of stage 3 is
        XCTAssertEqual(units[0].branchChannels, 240 - 24)
        XCTAssertEqual(units[1].branchChannels, 240)
        XCTAssertEqual(units[4].inChannels, 240)
    }

    func testStateDictLayoutRoundTripsThroughInference() throws {
        for preset in Presets.all {
            guard (try? preset.config.validate()) != nil else { continue }
            let shapes = Dictionary(uniqueKeysWithValues: StateDictLayout.expectedShapes(preset.config).map { ($0.name, $0.shape) })
            XCTAssertEqual(try StateDictLayout.inferConfig(shapes: shapes), preset.config, preset.name)
        }
    }
}
