import Foundation
import TestSupport
import XCTest

/// `shufflenet info --paper-table` prints the paper's comparison with MobileNet under the paper's own names: our
/// count of each ShuffleNet row within its tolerance, the MobileNet rows quoted and marked so.
final class PaperComparisonTableTests: XCTestCase {
    static let rows = 10

    /// The table's line for `name` (the paper's name, as printed), split into its columns after the name.
    func columns(_ table: String, _ name: String) throws -> [String] {
        let line = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix(name + " ") }, "no row \(name) in\n\(table)")
        return line.dropFirst(name.count).split(separator: " ").map(String.init)
    }

    func testTheComparisonRowsUnderThePapersNames() throws {
        let result = try runProcess(CLITests.binary, ["info", "--paper-table"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let table = result.stdout
        for (name, paper, tolerance) in [("ShuffleNet 2× (with SE, g = 3)", 527.0, 0.02), ("ShuffleNet 0.5× (shallow, g = 3)", 40.0, 0.05),
                                         ("ShuffleNet 2× (g = 3)", 524.0, 0.02)] {
            let cells = try columns(table, name)
            let ours = try XCTUnwrap(Double(cells[0]), "\(cells)")
            XCTAssertEqual(Double(cells[1]), paper)
            XCTAssertLessThanOrEqual(abs(ours - paper) / paper, tolerance, "\(name): \(ours) vs \(paper)")
        }
        XCTAssertEqual(try columns(table, "ShuffleNet 2× (with SE, g = 3)")[0], "526.5", "SE.md: 526.5 at r = 16")
        for (name, mflops, error) in [("1.0 MobileNet-224", "569", "29.4"), ("0.75 MobileNet-224", "325", "31.6"),
                                      ("0.5 MobileNet-224", "149", "36.3"), ("0.25 MobileNet-224", "41", "49.4")] {
            let cells = try columns(table, name)
            XCTAssertEqual(cells.first, "quoted", "\(name) is quoted, not computed: \(cells)")
            XCTAssertTrue(cells.contains(mflops) && cells.contains(error) && cells.contains("(quoted)"), "\(name): \(cells)")
        }
        XCTAssertTrue(table.contains("quoted from the paper"), table)
    }

    /// The two presets behind the SE and shallow rows.
    func testThePresetsOfTheSEAndShallowRows() throws {
        for (preset, repeats, widths, mflops) in [("paper-2.0x-g3-se", [4, 8, 4], [480, 960, 1920], 526.488), ("paper-0.5x-g3-shallow", [2, 4, 2], [180, 360, 720], 41.634)] {
            let result = try runProcess(CLITests.binary, ["info", "--preset", preset, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let facts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(facts["repeats"] as? [Int], repeats)
            XCTAssertEqual(facts["widths"] as? [Int], widths)
            XCTAssertEqual(try XCTUnwrap(facts["mflops"] as? Double), mflops, accuracy: 0.001)
        }
        let se = try runProcess(CLITests.binary, ["info", "--preset", "paper-2x-g3-se"])
        XCTAssertTrue(se.stdout.contains("se r16"), se.stdout)
    }
}
