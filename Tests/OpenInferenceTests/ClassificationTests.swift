import XCTest
@testable import OpenInference

/// The classification extension's strings, formatted as Triton formats them (printf "%f").
final class ClassificationTests: XCTestCase {
    let labels = ["tench", "goldfish", "great white shark", "tiger shark"]

    func testTopKPerRowHighestFirstWithTritonsNumberFormat() {
        let scores: [Float] = [0.1, 0.623111, 0.25, 0.026889,
                               -3.5, 12, 1e-7, 1e30]
        let output = Classification.output(name: "probabilities", scores: scores, shape: [2, 4], k: 3, labels: labels, binaryData: true)
        XCTAssertEqual(output.datatype, .bytes)
        XCTAssertEqual(output.shape, [2, 3])
        XCTAssertTrue(output.binaryData)
        XCTAssertEqual(output.data.bytes?.strings, [
            "0.623111:1:goldfish", "0.250000:2:great white shark", "0.100000:0:tench",
            "1000000015047466219876688855040.000000:3:tiger shark", "12.000000:1:goldfish", "0.000000:2:great white shark",
        ])
    }

    func testTiesKeepTheLowerIndexFirstAndNaNRanksLast() {
        let scores: [Float] = [0.5, .nan, 0.5, 0.75, 0.5, -.infinity]
        let strings = Classification.topK(scores: scores, rows: 1, classes: 6, k: 6, labels: []).strings
        XCTAssertEqual(strings, ["0.750000:3", "0.500000:0", "0.500000:2", "0.500000:4", "-inf:5", "nan:1"])
    }

    func testKIsClampedToTheClassesAndLabelsMayBeMissing() {
        let output = Classification.output(name: "o", scores: [1, 2, 3], shape: [3], k: 10, labels: ["a"], binaryData: false)
        XCTAssertEqual(output.shape, [3], "an unbatched output gives [K]")
        XCTAssertEqual(output.data.bytes?.strings, ["3.000000:2", "2.000000:1", "1.000000:0:a"])
        XCTAssertEqual(Classification.topK(scores: [1, 2], rows: 1, classes: 2, k: 0, labels: []).count, 0)
    }

    func testFormattingMatchesPrintf() {
        for value: Float in [0, -0.0, 0.5, 0.6231114, 0.0000004, 0.0000005, 0.0000006, 123456.789, -1e-3, .greatestFiniteMagnitude] {
            XCTAssertEqual(Classification.formatValue(value), String(format: "%f", Double(value)))
        }
    }
}
